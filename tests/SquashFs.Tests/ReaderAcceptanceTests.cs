using Distri.Testing;
using Distri.SquashFs;
using SquashFs.Tests.Fixtures;

namespace SquashFs.Tests;

/// <summary>
/// Images of the acceptance tree, made by mksquashfs (every compressor we support, with and
/// without fragments and compression) and by our writer, read by our reader and compared with the
/// tree itself and with what the kernel shows when it mounts the same image.
/// </summary>
[TestClass]
public sealed class ReaderAcceptanceTests
{
    private static TempDirectory? s_temp;
    private static string Source => s_temp!["tree"];

    [ClassInitialize]
    public static void MakeTree(TestContext _)
    {
        s_temp = new TempDirectory("reader-mksquashfs");
        TestTrees.WriteAcceptanceTree(Source);
    }

    [ClassCleanup]
    public static void RemoveTree() => s_temp?.Dispose();

    internal static string MakeImage(string source, string image, params string[] options)
    {
        var mksquashfs = Requires.Tool("mksquashfs");
        var result = ExternalTool.Run(mksquashfs, [source, image, "-noappend", "-no-progress", "-quiet", "-processors", "1", .. options]);
        if (result.ExitCode != 0) Assert.Fail($"mksquashfs {string.Join(' ', options)} failed:\n{result.StandardOutput}\n{result.StandardError}");
        return image;
    }

    [TestMethod]
    [DataRow("gzip-default")]
    [DataRow("zstd", "-comp", "zstd")]
    [DataRow("gzip-no-fragments", "-no-fragments")]
    [DataRow("zstd-always-fragments", "-comp", "zstd", "-always-use-fragments")]
    [DataRow("uncompressed-inodes-directories", "-noI", "-noD")]
    [DataRow("uncompressed-everything", "-noI", "-noD", "-noF", "-noX", "-no-fragments")]
    [DataRow("small-blocks", "-b", "4096")]
    public void MksquashfsImageReadsAsTheSourceTree(string name, params string[] options)
    {
        var image = MakeImage(Source, s_temp![name + ".sqfs"], options);
        using var squashfs = SquashFsImage.Open(image);
        ReaderTreeAssert.AssertSame(Source, squashfs, symlinkHardLinks: false);
    }

    [TestMethod]
    public void OurWritersImageReadsAsTheSourceTree()
    {
        var image = s_temp!["ours.sqfs"];
        SquashFsWriter.Write(Source, image);
        using var squashfs = SquashFsImage.Open(image);
        ReaderTreeAssert.AssertSame(Source, squashfs);
    }

    /// <summary>The kernel is the reference reader: same inode numbers, link counts and everything else.</summary>
    [TestMethod]
    [DataRow("kernel-gzip", "mksquashfs")]
    [DataRow("kernel-zstd", "mksquashfs", "-comp", "zstd")]
    [DataRow("kernel-ours", "ours")]
    public void ReaderSeesWhatTheKernelMountShows(string name, string maker, params string[] options)
    {
        Requires.LoopMounts();
        var image = s_temp![name + ".sqfs"];
        if (maker == "ours") SquashFsWriter.Write(Source, image);
        else MakeImage(Source, image, options);
        using var mount = ImageMount.Kernel(image, s_temp[name + ".mnt"]);
        using var squashfs = SquashFsImage.Open(image);
        ReaderTreeAssert.AssertSame(mount.Path, squashfs, inodeNumbers: true);
    }

    [TestMethod]
    [DataRow("mksquashfs")]
    [DataRow("ours")]
    public void DistriLsListsWhatUnsquashfsLists(string maker)
    {
        var unsquashfs = Requires.Tool("unsquashfs");
        var image = s_temp![$"ls-{maker}.sqfs"];
        if (maker == "ours") SquashFsWriter.Write(Source, image);
        else MakeImage(Source, image, "-comp", "zstd");
        var expected = ExternalTool.Run(unsquashfs, ["-lln", image], environment: new Dictionary<string, string> { ["TZ"] = "UTC" });
        Assert.AreEqual(0, expected.ExitCode, expected.StandardError);

        var actual = DistriCli.Run("ls", image, "-R");
        Assert.AreEqual(0, actual.ExitCode, actual.StandardError);

        // unsquashfs prefixes every path with squashfs-root/, lists the root itself, pads columns
        // differently and prints names raw, where distri ls escapes control characters (one line per entry).
        var expectedLines = Normalize(expected.StandardOutput.Replace("squashfs-root/", "").Replace("newline\nname", @"newline\nname").Replace("\t", @"\t")).Split('\n').Skip(1).ToList();
        var actualLines = Normalize(actual.StandardOutput).Split('\n').ToList();
        CollectionAssert.AreEqual(expectedLines, actualLines);
    }

    private static string Normalize(string listing)
        => System.Text.RegularExpressions.Regex.Replace(listing.TrimEnd('\n'), " +", " ");

    [TestMethod]
    public void EightConcurrentReadersGetTheRightData()
    {
        var image = MakeImage(Source, s_temp!["concurrent.sqfs"], "-comp", "zstd");
        using var squashfs = SquashFsImage.Open(image);
        var files = Directory.EnumerateFiles(Path.Combine(Source, "sizes")).Concat(Directory.EnumerateFiles(Path.Combine(Source, "big")).Take(300))
            .Where(f => !FixtureNative.LStat(f).IsSymlink)
            .Select(f => (Relative: Path.GetRelativePath(Source, f), Bytes: File.ReadAllBytes(f))).ToArray();
        var failures = new System.Collections.Concurrent.ConcurrentQueue<string>();
        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, worker =>
        {
            var random = new Random(worker);
            for (var round = 0; round < 400; round++)
            {
                var (relative, bytes) = files[random.Next(files.Length)];
                var inode = squashfs.Lookup(relative)!;
                var offset = bytes.Length == 0 ? 0 : random.Next(bytes.Length);
                var buffer = new byte[random.Next(1, 300_000)];
                var n = squashfs.Read(inode, offset, buffer);
                var expected = Math.Min(buffer.Length, bytes.Length - offset);
                if (n != expected || !buffer.AsSpan(0, n).SequenceEqual(bytes.AsSpan(offset, n)))
                    failures.Enqueue($"{relative} at {offset}: {n} bytes, expected {expected}");
            }
        });
        Assert.IsTrue(failures.IsEmpty, string.Join("\n", failures.Take(10)));
    }

    [TestMethod]
    public void LookupUsesTheDirectoryIndexOfABigDirectory()
    {
        var image = MakeImage(Source, s_temp!["index.sqfs"]);
        using var squashfs = SquashFsImage.Open(image);
        var big = squashfs.Lookup("big")!;
        var names = squashfs.ReadDirectory(big).Select(e => e.Name).ToList();
        Assert.AreEqual(TestTrees.BigDirectoryEntries, names.Count);
        foreach (var name in new[] { names[0], names[1], names[255], names[256], names[5000], names[^2], names[^1] })
            Assert.IsNotNull(squashfs.Lookup(big, name), name);
        Assert.IsNull(squashfs.Lookup(big, "entry-05000"), "a prefix of an existing name");
        Assert.IsNull(squashfs.Lookup(big, "zzz"), "after the last name");
        Assert.IsNull(squashfs.Lookup(big, "a"), "before the first name");
    }
}
