using Distri.SquashFs;
using SquashFs.Tests.Fixtures;

namespace SquashFs.Tests;

/// <summary>
/// Compares a source tree on disk with an image through our reader: names and their order,
/// types, modes, owners, mtimes, link targets, xattrs, sizes, contents and shared hard links.
/// Also checks that Lookup finds every listed entry.
/// </summary>
internal static class ReaderTreeAssert
{
    private const int MaxReported = 20;

    /// <param name="symlinkHardLinks">
    /// False for mksquashfs images: mksquashfs 4.5 sometimes stores hard-linked symlinks as separate
    /// inodes with one link each (the kernel mount shows the same), so their link counts are not compared.
    /// </param>
    /// <param name="inodeNumbers">Compare st_ino with the inode number (when the source is a kernel mount of the image).</param>
    public static void AssertSame(string sourceRoot, SquashFsImage image, bool owners = true, IReadOnlySet<string>? skipContents = null, bool symlinkHardLinks = true, bool inodeNumbers = false)
    {
        var differences = new List<string>();
        var hardLinks = new Dictionary<ulong, long>();
        CompareEntry(sourceRoot, image, image.Root, "", differences, hardLinks, owners, skipContents ?? new HashSet<string>(), symlinkHardLinks, inodeNumbers);
        if (differences.Count > 0)
            Assert.Fail($"{sourceRoot} and its image differ:\n  " + string.Join("\n  ", differences));
    }

    private static void CompareEntry(string path, SquashFsImage image, SquashFsInode inode, string relative,
        List<string> differences, Dictionary<ulong, long> hardLinks, bool owners, IReadOnlySet<string> skipContents, bool symlinkHardLinks, bool inodeNumbers)
    {
        if (differences.Count >= MaxReported) return;
        void Add(string what) => differences.Add($"{(relative.Length == 0 ? "." : relative)}: {what}");

        var st = FixtureNative.LStat(path);
        if (st.FileType != (inode.Mode & 0xF000)) { Add($"type {st.FileType:x} != {inode.Mode & 0xF000:x}"); return; }
        if ((st.Mode & 0xFFF) != inode.Permissions) Add($"mode {Convert.ToString(st.Mode & 0xFFF, 8)} != {Convert.ToString(inode.Permissions, 8)}");
        if (owners && (st.Uid != inode.Uid || st.Gid != inode.Gid)) Add($"owner {st.Uid}:{st.Gid} != {inode.Uid}:{inode.Gid}");
        if (inodeNumbers && st.Ino != inode.InodeNumber) Add($"inode number {st.Ino} != {inode.InodeNumber}");
        if (st.MtimeSeconds != inode.ModificationTime) Add($"mtime {st.MtimeSeconds} != {inode.ModificationTime}");

        var expectedXattrs = FixtureNative.GetXattrs(path);
        var actualXattrs = image.GetXattrs(inode).OrderBy(p => p.Key, StringComparer.Ordinal).ToList();
        if (!expectedXattrs.Keys.SequenceEqual(actualXattrs.Select(p => p.Key))
            || !expectedXattrs.Values.Zip(actualXattrs, (e, a) => e.AsSpan().SequenceEqual(a.Value)).All(x => x))
            Add($"xattrs [{string.Join(", ", expectedXattrs.Keys)}] != [{string.Join(", ", actualXattrs.Select(p => p.Key))}] or values differ");

        if (st.IsDirectory)
        {
            var expectedNames = TreeComparer.ListNames(path);
            var entries = image.ReadDirectory(inode).ToList();
            if (!expectedNames.SequenceEqual(entries.Select(e => e.Name)))
            {
                Add($"entries differ ({expectedNames.Count} vs {entries.Count}): missing [{string.Join(", ", expectedNames.Except(entries.Select(e => e.Name)).Take(5))}], extra [{string.Join(", ", entries.Select(e => e.Name).Except(expectedNames).Take(5))}]");
                return;
            }
            foreach (var entry in entries)
            {
                var child = image.GetInode(entry);
                if (child.InodeNumber != entry.InodeNumber) Add($"entry {entry.Name} has inode number {entry.InodeNumber}, its inode {child.InodeNumber}");
                var found = image.Lookup(inode, entry.Name);
                if (found?.InodeReference != entry.InodeReference) Add($"Lookup({entry.Name}) found {found?.InodeReference} instead of {entry.InodeReference}");
                CompareEntry(Path.Combine(path, entry.Name), image, child, relative.Length == 0 ? entry.Name : relative + "/" + entry.Name,
                    differences, hardLinks, owners, skipContents, symlinkHardLinks, inodeNumbers);
            }
            return;
        }

        if (symlinkHardLinks || !st.IsSymlink)
        {
            if (st.NLink != inode.LinkCount) Add($"nlink {st.NLink} != {inode.LinkCount}");
            if (hardLinks.TryGetValue(st.Ino, out var reference) && reference != inode.InodeReference) Add("hard link does not share its inode");
            hardLinks[st.Ino] = inode.InodeReference;
        }

        if (st.IsSymlink)
        {
            var target = new FileInfo(path).LinkTarget;
            if (target != image.ReadLink(inode)) Add($"link target '{target}' != '{image.ReadLink(inode)}'");
        }
        else if (st.IsRegular)
        {
            if ((long)st.Size != inode.Size) Add($"size {st.Size} != {inode.Size}");
            else if (!skipContents.Contains(relative) && !SameContents(path, image, inode)) Add("contents differ");
        }
        else if (st.RdevMajor != ((inode.DeviceNumber >> 8) & 0xFFF) || st.RdevMinor != ((inode.DeviceNumber & 0xFF) | ((inode.DeviceNumber >> 12) & 0xFFF00)))
        {
            Add($"device {st.RdevMajor}:{st.RdevMinor} != {inode.DeviceNumber:x}");
        }
    }

    /// <summary>Reads in odd-sized chunks so reads start and end inside blocks and fragments.</summary>
    private static bool SameContents(string path, SquashFsImage image, SquashFsInode inode)
    {
        var expected = File.ReadAllBytes(path);
        var actual = new byte[expected.Length];
        var offset = 0;
        while (offset < actual.Length)
        {
            var n = image.Read(inode, offset, actual.AsSpan(offset, Math.Min(100_003, actual.Length - offset)));
            if (n <= 0) return false;
            offset += n;
        }
        return image.Read(inode, offset, new byte[1]) == 0 && expected.AsSpan().SequenceEqual(actual);
    }
}
