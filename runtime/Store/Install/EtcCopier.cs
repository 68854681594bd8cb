using Distri.SquashFs;

namespace Distri.Store.Install;

/// <summary>
/// Copies an image's top-level <c>etc/</c> (beside <c>out/</c>) into <c>&lt;root&gt;/etc</c>, as
/// distri does on first install: only files and symlinks whose target does not exist yet, so a
/// user's configuration is never touched. Never follows a symlink already in the target tree.
/// The image is not trusted to be small: the whole <c>etc/</c> is walked and checked against
/// the caps below before anything is written (a sparse file of terabytes, a directory that
/// contains itself, a million entries), and an image that exceeds them fails its install.
/// </summary>
public static class EtcCopier
{
    /// <summary>Bytes of all files together (sparse files count at their full size: that is what the copy writes).</summary>
    public const long MaxTotalBytes = 64L << 20;

    /// <summary>Files, symlinks and directories together.</summary>
    public const int MaxEntries = 10_000;

    /// <summary>Directories below <c>etc/</c>.</summary>
    public const int MaxDepth = 32;

    private sealed record Entry(string Relative, SquashFsInode Inode);

    /// <summary>Returns the paths created, relative to the root (e.g. <c>etc/zsh/zshrc</c>).</summary>
    /// <exception cref="InvalidDataException">The image's <c>etc/</c> exceeds a cap or loops.</exception>
    public static IReadOnlyList<string> Copy(string imagePath, string root)
    {
        using var image = SquashFsImage.Open(imagePath);
        var etc = image.Lookup(image.Root, "etc");
        if (etc is not { Type: SquashFsEntryType.Directory }) return [];
        var entries = Walk(image, etc, imagePath);
        var copied = new List<string>();
        var skippedBelow = new List<string>();
        foreach (var entry in entries)
        {
            // Below a directory that was not created (a file or symlink is in its place): nothing.
            if (skippedBelow.Any(prefix => entry.Relative.StartsWith(prefix, StringComparison.Ordinal))) continue;
            var path = Path.Combine(root, entry.Relative);
            switch (entry.Inode.Type)
            {
                case SquashFsEntryType.Directory when !CreateDirectory(path, entry.Inode):
                    skippedBelow.Add(entry.Relative + "/");
                    break;
                case SquashFsEntryType.File when !Exists(path):
                    CopyFile(image, entry.Inode, path);
                    copied.Add(entry.Relative);
                    break;
                case SquashFsEntryType.Symlink when !Exists(path):
                    File.CreateSymbolicLink(path, image.ReadLink(entry.Inode));
                    copied.Add(entry.Relative);
                    break;
            }
        }
        return copied;
    }

    /// <summary>Lists <c>etc/</c> parents first, checking every cap; throws before anything is copied.</summary>
    private static List<Entry> Walk(SquashFsImage image, SquashFsInode etc, string imagePath)
    {
        var entries = new List<Entry> { new("etc", etc) };
        var seenDirectories = new HashSet<long> { etc.InodeReference };
        long bytes = 0;
        var pending = new Stack<(Entry Directory, int Depth)>();
        pending.Push((entries[0], 0));
        while (pending.TryPop(out var current))
        {
            foreach (var child in image.ReadDirectory(current.Directory.Inode))
            {
                if (child.Name is "" or "." or ".." || child.Name.Contains('/') || child.Name.Contains('\0')) continue;
                var relative = current.Directory.Relative + "/" + child.Name;
                var inode = image.GetInode(child);
                if (entries.Count == MaxEntries) throw Exceeded(imagePath, $"more than {MaxEntries} entries");
                if (inode.Type == SquashFsEntryType.Directory)
                {
                    if (!seenDirectories.Add(inode.InodeReference)) throw Exceeded(imagePath, $"{relative} is a directory already seen (a loop)");
                    if (current.Depth + 1 > MaxDepth) throw Exceeded(imagePath, $"{relative} is more than {MaxDepth} directories deep");
                }
                else if (inode.Type == SquashFsEntryType.File && (bytes += inode.Size) > MaxTotalBytes)
                {
                    throw Exceeded(imagePath, $"its files hold more than {MaxTotalBytes >> 20} MiB (at {relative}, {inode.Size} bytes)");
                }
                var entry = new Entry(relative, inode);
                entries.Add(entry);
                if (inode.Type == SquashFsEntryType.Directory) pending.Push((entry, current.Depth + 1));
            }
        }
        // Parents before children, whatever order the stack visited them in.
        entries.Sort((a, b) => string.CompareOrdinal(a.Relative, b.Relative));
        return entries;
    }

    private static InvalidDataException Exceeded(string imagePath, string what) =>
        new($"{Path.GetFileName(imagePath)}: etc/ not copied: {what}");

    /// <summary>Creates the directory if nothing is there; false when something other than a real directory is.</summary>
    private static bool CreateDirectory(string path, SquashFsInode directory)
    {
        if (OperatingSystem.IsWindows()) throw new PlatformNotSupportedException();
        var info = new DirectoryInfo(path);
        if (info.LinkTarget is not null) return false; // a symlink: writing below it could land anywhere
        if (info.Exists) return true;
        if (File.Exists(path)) return false;
        Directory.CreateDirectory(path, (UnixFileMode)(directory.Permissions & 0x1ff));
        return true;
    }

    private static bool Exists(string path) => Path.Exists(path) || new FileInfo(path).LinkTarget is not null;

    private static void CopyFile(SquashFsImage image, SquashFsInode file, string path)
    {
        if (OperatingSystem.IsWindows()) throw new PlatformNotSupportedException();
        // CreateNew: never overwrite, even a file that appeared since the check.
        using var output = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            UnixCreateMode = (UnixFileMode)(file.Permissions & 0x1ff),
        });
        var buffer = new byte[1 << 16];
        for (long offset = 0; offset < file.Size;)
        {
            var read = image.Read(file, offset, buffer);
            if (read == 0) break;
            output.Write(buffer, 0, read);
            offset += read;
        }
    }
}
