using System.Buffers.Binary;
using System.Text;
using Distri.Linux;
using Distri.SquashFs;
using Distri.SquashFs.Writing;
using Distri.Testing;
using SquashFs.Tests.Fixtures;

namespace SquashFs.Tests;

[TestClass]
public sealed class WriterTests
{
    [TestMethod]
    [DataRow(TestTrees.SparseFileSize)]
    [DataRow((5L << 30) + 3)] // past 4 GiB: an extended inode with 64-bit sizes
    public void SparseFileLargerThanTwoGibibytesIsStoredAsHoles(long size)
    {
        using var temp = new TempDirectory("writer-sparse");
        var source = temp.CreateDirectory("source");
        TestTrees.WriteSparseFile(Path.Combine(source, "sparse"), size);
        var image = temp["sparse.sqfs"];

        SquashFsWriter.Write(source, image);

        Assert.IsLessThan(4L << 20, new FileInfo(image).Length, "holes must not be written out");
        Requires.LoopMounts();
        using var mount = ImageMount.Kernel(image, temp["mnt"]);
        var mounted = Path.Combine(mount.Path, "sparse");
        Assert.AreEqual(size, new FileInfo(mounted).Length);
        using var handle = File.OpenHandle(mounted);
        var buffer = new byte[16];
        foreach (var offset in TestTrees.SparseDataOffsets(size))
        {
            Assert.AreEqual(16, RandomAccess.Read(handle, buffer, offset));
            CollectionAssert.AreEqual(TestTrees.SparseMarker(offset), buffer, $"at offset {offset}");
        }
        foreach (var offset in new[] { 1L << 20, (1L << 31) - 4096, size - 4096 })
        {
            RandomAccess.Read(handle, buffer, offset);
            Assert.IsTrue(buffer.All(b => b == 0), $"zeros expected at offset {offset}");
        }
    }

    [TestMethod]
    public void EmptySourceDirectoryGivesAMountableImage()
    {
        using var temp = new TempDirectory("writer-empty");
        var source = temp.CreateDirectory("source");
        LibC.Chmod(source, 0x1ED);
        LibC.SetTimes(source, 1_000_000_000);

        SquashFsWriter.Write(source, temp["image.sqfs"]);

        Requires.LoopMounts();
        using var mount = ImageMount.Kernel(temp["image.sqfs"], temp["mnt"]);
        TreeComparer.AssertSame(source, mount.Path);
    }

    [TestMethod]
    public void MissingOutputDirectoryIsAnIOError()
    {
        using var temp = new TempDirectory("writer-noout");
        TestTrees.WriteSmallTree(temp["source"]);

        Assert.ThrowsExactly<DirectoryNotFoundException>(() => SquashFsWriter.Write(temp["source"], temp["no/such/dir/image.sqfs"]));
    }

    [TestMethod]
    public void AllZeroBlocksTakeNoSpace()
    {
        using var temp = new TempDirectory("writer-zero");
        var source = temp.CreateDirectory("source");
        File.WriteAllBytes(Path.Combine(source, "zeros"), new byte[64 * TestTrees.BlockSize]);
        var image = temp["zeros.sqfs"];

        SquashFsWriter.Write(source, image);

        Assert.AreEqual(4096, new FileInfo(image).Length);
        Requires.LoopMounts();
        using var mount = ImageMount.Kernel(image, temp["mnt"]);
        TreeComparer.AssertSame(source, mount.Path);
    }

    [TestMethod]
    [DataRow(4096)]
    [DataRow(65536)]
    [DataRow(1 << 20)]
    public void OtherBlockSizesMountAndMatch(int blockSize)
    {
        using var temp = new TempDirectory("writer-blocksize");
        var source = temp["source"];
        TestTrees.WriteSmallTree(source);
        File.WriteAllBytes(Path.Combine(source, "two-mib-and-one"), TestTrees.Pattern((2 << 20) + 1, seed: 9));
        var image = temp["image.sqfs"];

        SquashFsWriter.Write(source, image, new SquashFsWriterOptions { BlockSize = blockSize });

        Requires.LoopMounts();
        using var mount = ImageMount.Kernel(image, temp["mnt"]);
        TreeComparer.AssertSame(source, mount.Path);
    }

    [TestMethod]
    [DataRow(0)]
    [DataRow(2048)]
    [DataRow(3 * 4096)]
    [DataRow(2 << 20)]
    public void InvalidBlockSizeIsRefused(int blockSize)
    {
        using var temp = new TempDirectory("writer-blocksize");
        TestTrees.WriteSmallTree(temp["source"]);

        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() =>
            SquashFsWriter.Write(temp["source"], temp["image.sqfs"], new SquashFsWriterOptions { BlockSize = blockSize }));
        Assert.IsFalse(File.Exists(temp["image.sqfs"]));
    }

    [TestMethod]
    public void MtimeOptionReplacesEveryMtimeAndImageTimeGoesToTheSuperblock()
    {
        using var temp = new TempDirectory("writer-times");
        var source = temp["source"];
        TestTrees.WriteSmallTree(source);
        var image = temp["image.sqfs"];

        SquashFsWriter.Write(source, image, new SquashFsWriterOptions { Mtime = 1_234_567_890, ImageTime = 987_654_321 });

        var superblock = File.ReadAllBytes(image).AsSpan(0, 96);
        Assert.AreEqual(987_654_321u, BinaryPrimitives.ReadUInt32LittleEndian(superblock[8..]));
        Requires.LoopMounts();
        using var mount = ImageMount.Kernel(image, temp["mnt"]);
        TreeComparer.AssertSame(source, mount.Path, new TreeCompareOptions { MtimeOverride = 1_234_567_890 });
    }

    [TestMethod]
    public void StreamOutputHoldsTheSameImageFromItsStartPosition()
    {
        using var temp = new TempDirectory("writer-stream");
        var source = temp["source"];
        TestTrees.WriteSmallTree(source);
        SquashFsWriter.Write(source, temp["image.sqfs"]);
        using var stream = new MemoryStream();
        stream.Write("prefix"u8);

        SquashFsWriter.Write(source, stream);

        var written = stream.ToArray();
        CollectionAssert.AreEqual("prefix"u8.ToArray(), written[..6]);
        Assert.IsTrue(written.AsSpan(6).SequenceEqual(File.ReadAllBytes(temp["image.sqfs"])));
    }

    [TestMethod]
    public void RootSymlinkToADirectoryIsFollowedOnce()
    {
        using var temp = new TempDirectory("writer-rootlink");
        var source = temp["source"];
        TestTrees.WriteSmallTree(source);
        File.CreateSymbolicLink(temp["link"], source);
        SquashFsWriter.Write(source, temp["direct.sqfs"]);

        SquashFsWriter.Write(temp["link"], temp["via-link.sqfs"]);

        Assert.IsTrue(File.ReadAllBytes(temp["direct.sqfs"]).AsSpan().SequenceEqual(File.ReadAllBytes(temp["via-link.sqfs"])));
    }

    [TestMethod]
    public void ImageInsideTheSourceTreeDoesNotContainItself()
    {
        using var temp = new TempDirectory("writer-inside");
        var source = temp["source"];
        TestTrees.WriteSmallTree(source);
        var image = Path.Combine(source, "self.sqfs");

        SquashFsWriter.Write(source, image);

        var listing = ExternalTool.Check(Requires.Tool("unsquashfs"), "-l", "-n", image);
        Assert.DoesNotContain(".tmp", listing);
        Assert.DoesNotContain("self.sqfs", listing);
    }

    [TestMethod]
    public void MissingSourceDirectoryFailsAndLeavesNothing()
    {
        using var temp = new TempDirectory("writer-missing");

        Assert.ThrowsExactly<DirectoryNotFoundException>(() => SquashFsWriter.Write(temp["nope"], temp["image.sqfs"]));
        Assert.AreEqual(0, Directory.GetFileSystemEntries(temp.Path).Length);
    }

    [TestMethod]
    [DataRow("")]
    [DataRow(".")]
    [DataRow("..")]
    [DataRow("a/b")]
    [DataRow("a\0b")]
    [DataRow("/")]
    public void ForbiddenNamesAreRefused(string name)
    {
        var e = Assert.ThrowsExactly<SquashFsException>(() => SourceScanner.ValidateName(Encoding.UTF8.GetBytes(name), "/src/" + name));
        StringAssert.Contains(e.Message, "/src/");
    }

    [TestMethod]
    public void NamesLongerThanTheFormatAllowsAreRefused()
    {
        SourceScanner.ValidateName(Enumerable.Repeat((byte)'a', 256).ToArray(), "/src/x");
        Assert.ThrowsExactly<SquashFsException>(() => SourceScanner.ValidateName(Enumerable.Repeat((byte)'a', 257).ToArray(), "/src/long"));
    }

    [TestMethod]
    public void NameThatIsNotUtf8IsRefusedAndNothingIsLeftBehind()
    {
        using var temp = new TempDirectory("writer-badname");
        var source = temp.CreateDirectory("source");
        LibC.CreateFileRaw(source, [(byte)'b', 0xFF, (byte)'d']);
        var output = temp.CreateDirectory("out");

        try
        {
            var e = Assert.ThrowsExactly<SquashFsException>(() => SquashFsWriter.Write(source, Path.Combine(output, "image.sqfs")));

            StringAssert.Contains(e.Message, "not valid UTF-8");
            Assert.AreEqual(0, Directory.GetFileSystemEntries(output).Length, "no image and no temporary file may remain");
        }
        finally
        {
            // .NET cannot name that file to delete it; rm can.
            ExternalTool.Run("rm", ["-rf", source]);
        }
    }

    [TestMethod]
    public void FifoIsRefusedWithItsPath()
    {
        using var temp = new TempDirectory("writer-fifo");
        var source = temp["source"];
        TestTrees.WriteSmallTree(source);
        LibC.MakeFifo(Path.Combine(source, "dir", "pipe"));

        var e = Assert.ThrowsExactly<SquashFsException>(() => SquashFsWriter.Write(source, temp["image.sqfs"]));

        StringAssert.Contains(e.Message, Path.Combine(source, "dir", "pipe"));
        StringAssert.Contains(e.Message, "fifo");
        Assert.IsFalse(File.Exists(temp["image.sqfs"]));
    }

    [TestMethod]
    public void SpecialFilesAreStoredWhenAllowed()
    {
        Requires.Root();
        using var temp = new TempDirectory("writer-special");
        var source = temp["source"];
        TestTrees.WriteSmallTree(source);
        LibC.MakeFifo(Path.Combine(source, "pipe"));
        ExternalTool.Check("mknod", Path.Combine(source, "null"), "c", "1", "3");
        ExternalTool.Check("mknod", Path.Combine(source, "big-minor"), "b", "259", "70000");
        using (var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified))
            socket.Bind(new System.Net.Sockets.UnixDomainSocketEndPoint(Path.Combine(source, "socket")));
        TestTrees.SetAllMtimes(source, 1_700_000_000);
        var image = temp["image.sqfs"];

        SquashFsWriter.Write(source, image, new SquashFsWriterOptions { AllowSpecialFiles = true });

        Requires.LoopMounts();
        using var mount = ImageMount.Kernel(image, temp["mnt"]);
        TreeComparer.AssertSame(source, mount.Path);
    }

    [TestMethod]
    public void ManyIdsAndXattrSetsSpanSeveralTableBlocks()
    {
        // 2048 ids and 512 xattr ids fill one metadata block each: their index tables get several entries.
        Requires.Root();
        using var temp = new TempDirectory("writer-tables");
        var source = temp.CreateDirectory("source");
        for (var i = 0; i < 2500; i++)
        {
            var path = Path.Combine(source, $"f{i:D4}");
            File.WriteAllText(path, "");
            LibC.LChown(path, 10_000 + (uint)i, 20_000 + (uint)i);
            LibC.SetXattr(path, "user.i", Encoding.ASCII.GetBytes(i.ToString()));
        }
        TestTrees.SetAllMtimes(source, 1_700_000_000);

        SquashFsWriter.Write(source, temp["image.sqfs"]);

        Requires.LoopMounts();
        using var mount = ImageMount.Kernel(temp["image.sqfs"], temp["mnt"]);
        TreeComparer.AssertSame(source, mount.Path);
    }

    [TestMethod]
    public void HardLinksShareOneInodeWithTheirCount()
    {
        using var temp = new TempDirectory("writer-hardlinks");
        var source = temp["source"];
        TestTrees.WriteSmallTree(source);
        var image = temp["image.sqfs"];

        SquashFsWriter.Write(source, image);

        Requires.LoopMounts();
        using var mount = ImageMount.Kernel(image, temp["mnt"]);
        var a = FixtureNative.LStat(Path.Combine(mount.Path, "hello.txt"));
        var b = FixtureNative.LStat(Path.Combine(mount.Path, "dir", "hello-again.txt"));
        Assert.AreEqual(a.Ino, b.Ino);
        Assert.AreEqual(2u, a.NLink);
    }

    [TestMethod]
    public void IncludeLeavesOutWhatItRejectsAndKeepsDirectoriesHoldingWhatItKeeps()
    {
        using var temp = new TempDirectory("writer-include");
        var source = temp.CreateDirectory("source");
        foreach (var file in new[] { "a/keep.h", "a/drop.so", "b/drop.so", "c/d/keep.h" })
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(source, file))!);
            File.WriteAllText(Path.Combine(source, file), file);
        }
        Directory.CreateDirectory(Path.Combine(source, "empty"));
        var seen = new List<string>();

        SquashFsWriter.Write(source, temp["image.sqfs"], new SquashFsWriterOptions
        {
            Include = (relative, isDirectory) => { seen.Add(relative); return isDirectory ? relative == "empty" : relative.EndsWith(".h", StringComparison.Ordinal); },
        });

        using var image = SquashFsImage.Open(temp["image.sqfs"]);
        foreach (var kept in new[] { "a/keep.h", "c/d/keep.h", "empty" })
            Assert.IsNotNull(image.Lookup(kept), kept);
        foreach (var left in new[] { "a/drop.so", "b", "b/drop.so" })
            Assert.IsNull(image.Lookup(left), left);
        Assert.Contains("c/d/keep.h", seen, "paths are relative to the root, '/'-separated");
    }

    [TestMethod]
    public void HardLinkCountCountsOnlyTheIncludedLinks()
    {
        using var temp = new TempDirectory("writer-include-links");
        var source = temp.CreateDirectory("source");
        File.WriteAllText(Path.Combine(source, "kept"), "x");
        LibC.HardLink(Path.Combine(source, "kept"), Path.Combine(source, "left-out"));

        SquashFsWriter.Write(source, temp["image.sqfs"], new SquashFsWriterOptions { Include = (relative, _) => relative == "kept" });

        using var image = SquashFsImage.Open(temp["image.sqfs"]);
        Assert.AreEqual(1u, image.Lookup("kept")!.LinkCount);
    }
}

/// <summary>Tests that set process-wide environment variables run alone.</summary>
[TestClass]
[DoNotParallelize]
public sealed class WriterEnvironmentTests
{
    [TestMethod]
    public void SourceDateEpochIsTheDefaultImageTime()
    {
        using var temp = new TempDirectory("writer-epoch");
        TestTrees.WriteSmallTree(temp["source"]);
        Environment.SetEnvironmentVariable("SOURCE_DATE_EPOCH", "1600000000");
        try
        {
            SquashFsWriter.Write(temp["source"], temp["image.sqfs"]);
        }
        finally
        {
            Environment.SetEnvironmentVariable("SOURCE_DATE_EPOCH", null);
        }

        var superblock = File.ReadAllBytes(temp["image.sqfs"]).AsSpan(0, 96);
        Assert.AreEqual(1_600_000_000u, BinaryPrimitives.ReadUInt32LittleEndian(superblock[8..]));
    }

    [TestMethod]
    public void WithoutSourceDateEpochTheImageTimeIsZero()
    {
        using var temp = new TempDirectory("writer-epoch");
        TestTrees.WriteSmallTree(temp["source"]);

        SquashFsWriter.Write(temp["source"], temp["image.sqfs"]);

        Assert.AreEqual(0u, BinaryPrimitives.ReadUInt32LittleEndian(File.ReadAllBytes(temp["image.sqfs"]).AsSpan(8)));
    }
}

[TestClass]
public sealed class WriterReproducibilityTests
{
    [TestMethod]
    public void CopyOfTheTreeElsewhereGivesTheSameImage()
    {
        // A copy has other inode numbers, creation order and directory order on disk, and another path.
        using var temp = new TempDirectory("writer-copy");
        var source = temp["source"];
        TestTrees.WriteSmallTree(source);
        TestTrees.WriteAcceptanceTree(Path.Combine(source, "more"), bigDirectory: false);
        ExternalTool.Check("cp", "-a", source, temp["copy"]);

        SquashFsWriter.Write(source, temp["a.sqfs"]);
        SquashFsWriter.Write(temp["copy"], temp["b.sqfs"]);

        Assert.IsTrue(File.ReadAllBytes(temp["a.sqfs"]).AsSpan().SequenceEqual(File.ReadAllBytes(temp["b.sqfs"])), "images of a tree and its copy differ");
    }
}
