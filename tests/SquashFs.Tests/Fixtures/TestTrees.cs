using System.Text;
using Distri.Linux;

namespace SquashFs.Tests.Fixtures;

/// <summary>
/// Generates the acceptance trees of issue 2 into a directory, deterministically (fixed contents,
/// modes, owners, mtimes), so writer and reader tests can build images from the same input.
/// Parts needing root (owners, trusted.* and security.* xattrs) are only made when running as root.
/// </summary>
public static class TestTrees
{
    /// <summary>Entries in the big directory: well over 256 per header and many metadata blocks.</summary>
    public const int BigDirectoryEntries = 10_000;
    public const int NestingDepth = 100;
    public const int BlockSize = 128 * 1024;

    /// <summary>A name of 255 bytes (the Linux maximum) made of 2-byte UTF-8 characters plus one ASCII byte.</summary>
    public static readonly string LongUtf8Name = new string('é', 127) + "x";
    public static readonly string LongAsciiName = new('n', 255);
    public static readonly string LongSymlinkTarget = string.Concat(Enumerable.Repeat("long/", 800));

    /// <summary>Sizes around the block size, including exact multiples and one-off neighbours.</summary>
    public static readonly long[] FileSizes =
        [1, 4095, 4096, 4097, BlockSize - 1, BlockSize, BlockSize + 1, 2 * BlockSize, 3 * BlockSize + 5, 1_000_003];

    /// <summary>security.capability for cap_net_bind_service=ep (VFS_CAP_REVISION_2 layout, 20 bytes).</summary>
    public static readonly byte[] NetBindServiceCapability =
        [0x01, 0x00, 0x00, 0x02, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00];

    /// <summary>
    /// Writes the full acceptance tree (everything but the sparse file) below <paramref name="root"/>;
    /// without the 10 000-entry directory when <paramref name="bigDirectory"/> is false (quicker).
    /// </summary>
    public static void WriteAcceptanceTree(string root, bool bigDirectory = true)
    {
        Directory.CreateDirectory(root);
        WriteNames(Path.Combine(root, "names"));
        if (bigDirectory) WriteBigDirectory(Path.Combine(root, "big"));
        WriteDeepNesting(Path.Combine(root, "deep"));
        WriteSymlinks(Path.Combine(root, "links"));
        WriteModes(Path.Combine(root, "modes"));
        WriteHardLinks(Path.Combine(root, "hard"));
        WriteXattrs(Path.Combine(root, "xattrs"));
        WriteSizes(Path.Combine(root, "sizes"));
        WriteTimesAndOwners(Path.Combine(root, "meta"));
        File.WriteAllText(Path.Combine(root, "README"), "distri acceptance tree\n");
    }

    /// <summary>A small tree with one of each common kind, for quick tests.</summary>
    public static void WriteSmallTree(string root)
    {
        Directory.CreateDirectory(root);
        File.WriteAllText(Path.Combine(root, "hello.txt"), "hello, world\n");
        File.WriteAllBytes(Path.Combine(root, "empty"), []);
        Directory.CreateDirectory(Path.Combine(root, "dir", "sub"));
        File.WriteAllBytes(Path.Combine(root, "dir", "data.bin"), Pattern(3 * BlockSize + 17, seed: 1));
        File.CreateSymbolicLink(Path.Combine(root, "dir", "link"), "../hello.txt");
        LibC.HardLink(Path.Combine(root, "hello.txt"), Path.Combine(root, "dir", "hello-again.txt"));
        LibC.SetXattr(Path.Combine(root, "hello.txt"), "user.greeting", "hi"u8);
        LibC.Chmod(Path.Combine(root, "dir", "data.bin"), 0x1ED /* 0755 */);
        SetAllMtimes(root, 1_700_000_000);
    }

    /// <summary>
    /// A sparse file of <paramref name="size"/> bytes (default 2 GiB + 3 blocks + 7) that has data only
    /// at <see cref="SparseDataOffsets"/>; writing it costs a few KiB of disk.
    /// </summary>
    public static void WriteSparseFile(string path, long size = SparseFileSize)
    {
        using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
        file.SetLength(size);
        foreach (var offset in SparseDataOffsets(size))
        {
            file.Position = offset;
            file.Write(SparseMarker(offset));
        }
    }

    public const long SparseFileSize = (2L << 30) + 3 * BlockSize + 7;

    /// <summary>Where <see cref="WriteSparseFile"/> puts data: start, around 2 GiB and 4 GiB boundaries, the last byte.</summary>
    public static IReadOnlyList<long> SparseDataOffsets(long size = SparseFileSize) =>
        new long[] { 0, 5 * BlockSize - 3, (1L << 31) - 10, (1L << 31) + BlockSize, size - 16 }
            .Where(o => o >= 0 && o + 16 <= size).ToArray();

    /// <summary>The 16 bytes written at <paramref name="offset"/> of a sparse file.</summary>
    public static byte[] SparseMarker(long offset) => Encoding.ASCII.GetBytes($"@{offset:x14}!");

    /// <summary>Deterministic non-repeating content (an LCG), so block-level mix-ups show.</summary>
    public static byte[] Pattern(long length, int seed)
    {
        var data = new byte[length];
        var x = (uint)(seed * 2654435761u + 12345);
        for (var i = 0; i < data.Length; i++)
        {
            x = x * 1664525u + 1013904223u;
            data[i] = (byte)(x >> 24);
        }
        return data;
    }

    private static void WriteNames(string dir)
    {
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "grüße-日本語-🙂.txt"), "utf-8\n");
        File.WriteAllText(Path.Combine(dir, LongUtf8Name), "long utf-8 name\n");
        File.WriteAllText(Path.Combine(dir, LongAsciiName), "long ascii name\n");
        File.WriteAllText(Path.Combine(dir, ".hidden"), "dot file\n");
        File.WriteAllText(Path.Combine(dir, " spaces and\ttab "), "whitespace\n");
        File.WriteAllText(Path.Combine(dir, "newline\nname"), "newline\n");
        File.WriteAllText(Path.Combine(dir, "-dash"), "dash\n");
        // Sort order is by bytes: 'B' < 'a' < 'é' (0xC3...) < '🙂' (0xF0...).
        foreach (var name in new[] { "a", "B", "é", "🙂", "a.b", "a-b", "ab" })
            File.WriteAllText(Path.Combine(dir, "order-" + name), name);
        File.WriteAllBytes(Path.Combine(dir, "empty"), []);
        Directory.CreateDirectory(Path.Combine(dir, "emptydir"));
        Directory.CreateDirectory(Path.Combine(dir, "d" + new string('é', 127)));
    }

    /// <summary>10 000 entries: files, every 7th a symlink, every 100th an empty directory.</summary>
    private static void WriteBigDirectory(string dir)
    {
        Directory.CreateDirectory(dir);
        for (var i = 0; i < BigDirectoryEntries; i++)
        {
            var path = Path.Combine(dir, $"entry-{i:D5}-{new string('x', i % 40)}");
            if (i % 100 == 0) Directory.CreateDirectory(path);
            else if (i % 7 == 0) File.CreateSymbolicLink(path, $"target-{i}");
            else File.WriteAllText(path, i % 3 == 0 ? "" : $"{i}\n");
        }
    }

    private static void WriteDeepNesting(string dir)
    {
        var path = dir;
        for (var i = 0; i < NestingDepth; i++) path = Path.Combine(path, $"level{i:D3}");
        Directory.CreateDirectory(path);
        File.WriteAllText(Path.Combine(path, "bottom.txt"), "the bottom\n");
    }

    private static void WriteSymlinks(string dir)
    {
        Directory.CreateDirectory(dir);
        File.CreateSymbolicLink(Path.Combine(dir, "dangling"), "does/not/exist");
        File.CreateSymbolicLink(Path.Combine(dir, "long"), LongSymlinkTarget);
        File.CreateSymbolicLink(Path.Combine(dir, "absolute-outside"), "/etc/passwd");
        File.CreateSymbolicLink(Path.Combine(dir, "up-out"), "../../../../..");
        File.CreateSymbolicLink(Path.Combine(dir, "to-dir"), "../names/emptydir");
        File.CreateSymbolicLink(Path.Combine(dir, "to-file"), "../README");
        File.CreateSymbolicLink(Path.Combine(dir, "self"), "self");
        File.CreateSymbolicLink(Path.Combine(dir, "utf8-target"), "grüße/🙂");
    }

    private static void WriteModes(string dir)
    {
        Directory.CreateDirectory(dir);
        (string Name, uint Mode, bool Directory)[] entries =
        [
            ("setuid", 0x9ED /* 04755 */, false),
            ("setgid", 0x5ED /* 02755 */, false),
            ("setuid-setgid-sticky", 0xFFF /* 07777 */, false),
            ("no-permissions", 0, false),
            ("read-only", 0x124 /* 0444 */, false),
            ("sticky-dir", 0x3FF /* 01777 */, true),
            ("setgid-dir", 0x5FD /* 02775 */, true),
            ("private-dir", 0x1C0 /* 0700 */, true),
        ];
        foreach (var (name, mode, isDirectory) in entries)
        {
            var path = Path.Combine(dir, name);
            if (isDirectory) Directory.CreateDirectory(path);
            else File.WriteAllText(path, name + "\n");
            LibC.Chmod(path, mode);
        }
    }

    private static void WriteHardLinks(string dir)
    {
        Directory.CreateDirectory(Path.Combine(dir, "sub"));
        var original = Path.Combine(dir, "a");
        File.WriteAllBytes(original, Pattern(BlockSize + 100, seed: 7));
        LibC.HardLink(original, Path.Combine(dir, "b"));
        LibC.HardLink(original, Path.Combine(dir, "sub", "c"));
        var empty = Path.Combine(dir, "empty-1");
        File.WriteAllBytes(empty, []);
        LibC.HardLink(empty, Path.Combine(dir, "empty-2"));
        var link = Path.Combine(dir, "symlink-1");
        File.CreateSymbolicLink(link, "a");
        LibC.HardLink(link, Path.Combine(dir, "symlink-2"));
    }

    private static void WriteXattrs(string dir)
    {
        Directory.CreateDirectory(dir);
        var root = IsRoot;
        var file = Path.Combine(dir, "file");
        File.WriteAllText(file, "has xattrs\n");
        LibC.SetXattr(file, "user.comment", "hello"u8);
        LibC.SetXattr(file, "user.empty", []);
        LibC.SetXattr(file, "user.binary", [0, 1, 2, 255, 0]);
        if (root)
        {
            LibC.SetXattr(file, "trusted.overlay.opaque", "y"u8);
            LibC.SetXattr(file, "security.capability", NetBindServiceCapability);
        }

        var capable = Path.Combine(dir, "ping");
        File.WriteAllText(capable, "#!/bin/sh\n");
        LibC.Chmod(capable, 0x1ED);
        if (root) LibC.SetXattr(capable, "security.capability", NetBindServiceCapability);

        var subdir = Path.Combine(dir, "dir");
        Directory.CreateDirectory(subdir);
        LibC.SetXattr(subdir, "user.dir", "on a directory"u8);

        // Identical sets (deduplicated by a good writer) and enough distinct data to span metadata blocks.
        for (var i = 0; i < 3; i++)
        {
            var same = Path.Combine(dir, $"same-{i}");
            File.WriteAllText(same, "");
            LibC.SetXattr(same, "user.shared", "same value"u8);
        }
        for (var i = 0; i < 24; i++)
        {
            var many = Path.Combine(dir, $"large-{i:D2}");
            File.WriteAllText(many, "");
            LibC.SetXattr(many, "user.large", Pattern(700 + i, seed: 100 + i));
            LibC.SetXattr(many, $"user.n{i}", Encoding.ASCII.GetBytes(i.ToString()));
        }

        if (root)
        {
            // user.* is not allowed on symlinks; trusted.* is (for root).
            var link = Path.Combine(dir, "symlink");
            File.CreateSymbolicLink(link, "file");
            LibC.SetXattr(link, "trusted.link", "on a symlink"u8);
        }
    }

    private static void WriteSizes(string dir)
    {
        Directory.CreateDirectory(dir);
        for (var i = 0; i < FileSizes.Length; i++)
            File.WriteAllBytes(Path.Combine(dir, $"size-{FileSizes[i]}"), Pattern(FileSizes[i], seed: i));

        // An all-zero block in the middle and at the end: candidates for holes in the image.
        var mixed = new byte[4 * BlockSize + 99];
        Pattern(BlockSize, seed: 50).CopyTo(mixed, 0);
        Pattern(BlockSize, seed: 51).CopyTo(mixed, 2 * BlockSize);
        File.WriteAllBytes(Path.Combine(dir, "zero-blocks"), mixed);
        File.WriteAllBytes(Path.Combine(dir, "all-zero"), new byte[3 * BlockSize + 1]);

        // A small sparse source file: holes in the source, some data.
        var sparse = Path.Combine(dir, "sparse-small");
        using (var stream = new FileStream(sparse, FileMode.CreateNew, FileAccess.Write))
        {
            stream.SetLength(10 * BlockSize + 3);
            stream.Position = 4 * BlockSize + 1;
            stream.Write("data in a hole"u8);
        }
    }

    private static void WriteTimesAndOwners(string dir)
    {
        Directory.CreateDirectory(dir);
        (string Name, long Mtime)[] times = [("epoch", 0), ("y2k", 946_684_800), ("after-2038", (1L << 31) + 5), ("max-u32", uint.MaxValue)];
        foreach (var (name, mtime) in times)
        {
            var path = Path.Combine(dir, name);
            File.WriteAllText(path, name);
            LibC.SetTimes(path, mtime);
        }
        var link = Path.Combine(dir, "old-symlink");
        File.CreateSymbolicLink(link, "epoch");
        LibC.SetTimes(link, 1_000_000);

        if (!IsRoot) return;
        (string Name, uint Uid, uint Gid)[] owners = [("user-1000", 1000, 1000), ("nobody", 65534, 65534), ("big-ids", 123_456, 654_321), ("mixed", 0, 42)];
        foreach (var (name, uid, gid) in owners)
        {
            var path = Path.Combine(dir, name);
            File.WriteAllText(path, name);
            LibC.LChown(path, uid, gid);
        }
        var ownedLink = Path.Combine(dir, "owned-symlink");
        File.CreateSymbolicLink(ownedLink, "nobody");
        LibC.LChown(ownedLink, 4242, 4343);
        var ownedDir = Path.Combine(dir, "owned-dir");
        Directory.CreateDirectory(ownedDir);
        LibC.LChown(ownedDir, 1000, 100);
    }

    /// <summary>Sets every entry's mtime (not following symlinks), e.g. to compare with an --mtime image.</summary>
    public static void SetAllMtimes(string root, long seconds)
    {
        foreach (var path in Directory.EnumerateFileSystemEntries(root, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }))
            LibC.SetTimes(path, seconds);
        LibC.SetTimes(root, seconds);
    }

    public static bool IsRoot => Distri.Testing.Requires.IsRoot;
}
