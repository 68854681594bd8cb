using System.Buffers.Binary;
using Distri.Linux;
using Distri.SquashFs;
using Distri.Testing;
using SquashFs.Tests.Fixtures;

namespace SquashFs.Tests;

/// <summary>Behaviours of the reader on small mksquashfs images: lookups, special files, reads, bad images.</summary>
[TestClass]
public sealed class ReaderTests
{
    private static string SmallImage(TempDirectory temp, params string[] options)
    {
        TestTrees.WriteSmallTree(temp["tree"]);
        return ReaderAcceptanceTests.MakeImage(temp["tree"], temp["image.sqfs"], options);
    }

    [TestMethod]
    public void LookupFollowsTheLastSymlinkOnlyWhenAsked()
    {
        using var temp = new TempDirectory("reader");
        using var image = SquashFsImage.Open(SmallImage(temp));

        Assert.AreEqual(SquashFsEntryType.Symlink, image.Lookup("dir/link")!.Type);
        var target = image.Lookup("/dir/link", followSymlinks: true)!;
        Assert.AreEqual(image.Lookup("hello.txt")!.InodeReference, target.InodeReference);
        Assert.AreEqual("../hello.txt", image.ReadLink(image.Lookup("dir/link")!));
        Assert.AreEqual(image.Root.InodeReference, image.Lookup("/")!.InodeReference);
        Assert.AreEqual(image.Lookup("dir")!.InodeReference, image.Lookup("dir/sub/../././")!.InodeReference);
    }

    [TestMethod]
    public void SymlinksInTheMiddleOfAPathAreFollowedInsideTheImage()
    {
        using var temp = new TempDirectory("reader");
        var tree = temp.CreateDirectory("tree");
        Directory.CreateDirectory(Path.Combine(tree, "real", "inner"));
        File.WriteAllText(Path.Combine(tree, "real", "inner", "file"), "x");
        File.CreateSymbolicLink(Path.Combine(tree, "relative"), "real");
        File.CreateSymbolicLink(Path.Combine(tree, "absolute"), "/real/inner");
        File.CreateSymbolicLink(Path.Combine(tree, "escape"), "../../../real");
        using var image = SquashFsImage.Open(ReaderAcceptanceTests.MakeImage(tree, temp["image.sqfs"]));

        var file = image.Lookup("real/inner/file")!.InodeReference;
        Assert.AreEqual(file, image.Lookup("relative/inner/file")!.InodeReference);
        Assert.AreEqual(file, image.Lookup("absolute/file")!.InodeReference, "absolute targets resolve from the image root");
        Assert.AreEqual(file, image.Lookup("escape/inner/file")!.InodeReference, "'..' stops at the image root");
        Assert.IsNull(image.Lookup("real/inner/file/more"), "a file is not a directory");
        Assert.IsNull(image.Lookup("real/missing"));
    }

    [TestMethod]
    public void SymlinkLoopsEndInAnErrorNotAHang()
    {
        using var temp = new TempDirectory("reader");
        var tree = temp.CreateDirectory("tree");
        File.CreateSymbolicLink(Path.Combine(tree, "self"), "self");
        File.CreateSymbolicLink(Path.Combine(tree, "a"), "b/x");
        File.CreateSymbolicLink(Path.Combine(tree, "b"), "a");
        using var image = SquashFsImage.Open(ReaderAcceptanceTests.MakeImage(tree, temp["image.sqfs"]));

        Assert.AreEqual(SquashFsEntryType.Symlink, image.Lookup("self")!.Type);
        var e = Assert.ThrowsExactly<SquashFsException>(() => image.Lookup("self", followSymlinks: true));
        StringAssert.Contains(e.Message, "too many levels of symbolic links");
        Assert.ThrowsExactly<SquashFsException>(() => image.Lookup("a/y"));
    }

    [TestMethod]
    public void SpecialFilesAreListedButNotReadable()
    {
        Requires.Root();
        using var temp = new TempDirectory("reader");
        var tree = temp.CreateDirectory("tree");
        LibC.MakeFifo(Path.Combine(tree, "fifo"));
        var mknod = ExternalTool.Run("mknod", [Path.Combine(tree, "null"), "c", "1", "3"]);
        Assert.AreEqual(0, mknod.ExitCode, mknod.StandardError);
        ExternalTool.Check("mknod", Path.Combine(tree, "loop"), "b", "7", "300");
        // .NET removes a socket's file when the socket is disposed: keep it open while the image is made.
        using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
        socket.Bind(new System.Net.Sockets.UnixDomainSocketEndPoint(Path.Combine(tree, "socket")));
        using var image = SquashFsImage.Open(ReaderAcceptanceTests.MakeImage(tree, temp["image.sqfs"]));

        ReaderTreeAssert.AssertSame(tree, image);
        var listed = image.ReadDirectory(image.Root).Select(e => (e.Name, e.Type)).ToArray();
        CollectionAssert.AreEqual(
            new[] { ("fifo", SquashFsEntryType.Fifo), ("loop", SquashFsEntryType.BlockDevice), ("null", SquashFsEntryType.CharDevice), ("socket", SquashFsEntryType.Socket) },
            listed, string.Join(", ", listed));
        foreach (var name in new[] { "fifo", "null", "loop", "socket" })
        {
            var e = Assert.ThrowsExactly<SquashFsException>(() => image.Read(image.Lookup(name)!, 0, new byte[10]));
            StringAssert.Contains(e.Message, "not a regular file");
        }
        Assert.ThrowsExactly<SquashFsException>(() => image.ReadDirectory(image.Lookup("fifo")!));
        Assert.ThrowsExactly<SquashFsException>(() => image.ReadLink(image.Lookup("fifo")!));
    }

    [TestMethod]
    public void ReadsStartAnywhereAndStopAtTheEnd()
    {
        using var temp = new TempDirectory("reader");
        using var image = SquashFsImage.Open(SmallImage(temp));
        var expected = File.ReadAllBytes(temp["tree/dir/data.bin"]);
        var file = image.Lookup("dir/data.bin")!;

        foreach (var offset in new long[] { 0, 1, TestTrees.BlockSize - 1, TestTrees.BlockSize, 2 * TestTrees.BlockSize + 5, expected.Length - 1 })
        {
            var buffer = new byte[TestTrees.BlockSize + 3];
            var n = image.Read(file, offset, buffer);
            Assert.AreEqual((int)Math.Min(buffer.Length, expected.Length - offset), n, $"at {offset}");
            CollectionAssert.AreEqual(expected[(int)offset..(int)(offset + n)], buffer[..n], $"at {offset}");
        }
        Assert.AreEqual(0, image.Read(file, expected.Length, new byte[10]));
        Assert.AreEqual(0, image.Read(file, long.MaxValue, new byte[10]));
        Assert.AreEqual(0, image.Read(image.Lookup("empty")!, 0, new byte[10]));
    }

    [TestMethod]
    public void NamesThatAreNotUtf8AreFoundByTheirBytes()
    {
        using var temp = new TempDirectory("reader");
        var tree = temp.CreateDirectory("tree");
        LibC.CreateFileRaw(tree, [0xFF, (byte)'a', 0xC3]);
        File.WriteAllText(Path.Combine(tree, "plain"), "p");
        try
        {
            ReaderAcceptanceTests.MakeImage(tree, temp["image.sqfs"]);
        }
        finally
        {
            // .NET cannot name that file to delete it; rm can.
            ExternalTool.Run("rm", ["-rf", tree]);
        }
        using var image = SquashFsImage.Open(temp["image.sqfs"]);

        Assert.AreEqual(2, image.ReadDirectory(image.Root).Count());
        Assert.IsNotNull(image.Lookup(image.Root, [0xFF, (byte)'a', 0xC3]));
        Assert.IsNotNull(image.Lookup(image.Root, "plain"u8));
        Assert.IsNull(image.Lookup(image.Root, [0xFF, (byte)'a']));
        Assert.IsNull(image.Lookup(image.Root, "pl/ain"u8));
    }

    [TestMethod]
    [DataRow("-comp", "gzip", "-Xcompression-level", "1", "-Xwindow-size", "9")]
    [DataRow("-comp", "zstd", "-Xcompression-level", "19")]
    public void ImagesWithCompressorOptionsRead(params string[] options)
    {
        using var temp = new TempDirectory("reader");
        var path = SmallImage(temp, options);
        Assert.AreEqual(0x0400, BinaryPrimitives.ReadUInt16LittleEndian(File.ReadAllBytes(path).AsSpan(24)) & 0x0400, "mksquashfs wrote an options block");
        using var image = SquashFsImage.Open(path);
        ReaderTreeAssert.AssertSame(temp["tree"], image);
    }

    [TestMethod]
    public void OpensFromAHandle()
    {
        using var temp = new TempDirectory("reader");
        var path = SmallImage(temp);
        using var handle = File.OpenHandle(path);
        using (var image = SquashFsImage.Open(handle, ownsHandle: false))
            Assert.AreEqual("hello, world\n", ReadText(image, "hello.txt"));
        Assert.IsFalse(handle.IsClosed, "a handle we do not own stays open");
    }

    [TestMethod]
    public void SharedXattrValuesStoredOutOfLineReadBack()
    {
        using var temp = new TempDirectory("reader");
        var tree = temp.CreateDirectory("tree");
        var value = TestTrees.Pattern(3000, seed: 9);
        for (var i = 0; i < 5; i++)
        {
            var path = Path.Combine(tree, $"f{i}");
            File.WriteAllText(path, i.ToString());
            LibC.SetXattr(path, "user.shared", value);
            LibC.SetXattr(path, "user.own", [(byte)i]);
        }
        using var image = SquashFsImage.Open(ReaderAcceptanceTests.MakeImage(tree, temp["image.sqfs"]));
        ReaderTreeAssert.AssertSame(tree, image);
    }

    [TestMethod]
    public void XattrsReadByNameAgreeWithTheWholeSet()
    {
        using var temp = new TempDirectory("reader");
        var tree = temp.CreateDirectory("tree");
        var path = Path.Combine(tree, "f");
        File.WriteAllText(path, "f");
        LibC.SetXattr(path, "user.shared", TestTrees.Pattern(3000, seed: 9));
        LibC.SetXattr(path, "user.own", [1]);
        File.WriteAllText(Path.Combine(tree, "g"), "g");
        LibC.SetXattr(Path.Combine(tree, "g"), "user.shared", TestTrees.Pattern(3000, seed: 9)); // stored out of line once
        using var image = SquashFsImage.Open(ReaderAcceptanceTests.MakeImage(tree, temp["image.sqfs"]));
        var inode = image.Lookup("f")!;

        var all = image.GetXattrs(inode);
        var names = System.Text.Encoding.UTF8.GetString(image.ListXattrNames(inode)).Split('\0', StringSplitOptions.RemoveEmptyEntries);
        CollectionAssert.AreEqual(all.Select(p => p.Key).ToArray(), names);
        foreach (var (name, value) in all)
            CollectionAssert.AreEqual(value, image.GetXattr(inode, name), name);
        Assert.IsNull(image.GetXattr(inode, "security.capability"));
        Assert.IsEmpty(image.ListXattrNames(image.Root), "no xattrs, no names");
    }

    [TestMethod]
    [DataRow("mksquashfs")]
    [DataRow("ours")]
    public void AFileOverTwoGibibytesReadsAtEveryOffset(string maker)
    {
        using var temp = new TempDirectory("reader");
        var tree = temp.CreateDirectory("tree");
        TestTrees.WriteSparseFile(Path.Combine(tree, "huge"));
        if (maker == "ours") SquashFsWriter.Write(tree, temp["image.sqfs"]);
        else ReaderAcceptanceTests.MakeImage(tree, temp["image.sqfs"], "-comp", "zstd");
        using var image = SquashFsImage.Open(temp["image.sqfs"]);
        var huge = image.Lookup("huge")!;
        Assert.AreEqual(TestTrees.SparseFileSize, huge.Size);
        foreach (var offset in TestTrees.SparseDataOffsets())
        {
            // Start a little before the marker (in a hole or the block before) and read past it.
            var start = Math.Max(0, offset - 16);
            var buffer = new byte[48];
            var n = image.Read(huge, start, buffer);
            Assert.AreEqual((int)Math.Min(48, huge.Size - start), n);
            var at = (int)(offset - start);
            CollectionAssert.AreEqual(TestTrees.SparseMarker(offset), buffer[at..(at + 16)], $"at {offset}");
            Assert.IsTrue(buffer[..at].All(b => b == 0), $"zeros before {offset}");
        }
    }

    [TestMethod]
    [DataRow((ushort)2, "lzma")]
    [DataRow((ushort)3, "lzo")]
    [DataRow((ushort)4, "xz")]
    [DataRow((ushort)5, "lz4")]
    [DataRow((ushort)77, "unknown compressor id 77")]
    public void AnUnsupportedCompressorIsNamed(ushort id, string name)
    {
        using var temp = new TempDirectory("reader");
        var bytes = File.ReadAllBytes(SmallImage(temp));
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(20), id);
        File.WriteAllBytes(temp["patched.sqfs"], bytes);
        var e = Assert.ThrowsExactly<SquashFsException>(() => SquashFsImage.Open(temp["patched.sqfs"]));
        StringAssert.Contains(e.Message, $"compressor {name} is not supported");
    }

    [TestMethod]
    public void AnXzImageFromMksquashfsIsRefusedByName()
    {
        using var temp = new TempDirectory("reader");
        var e = Assert.ThrowsExactly<SquashFsException>(() => SquashFsImage.Open(SmallImage(temp, "-comp", "xz")));
        StringAssert.Contains(e.Message, "compressor xz is not supported");
    }

    [TestMethod]
    public void NotAnImageTruncatedImagesAndEmptyFilesAreRefused()
    {
        using var temp = new TempDirectory("reader");
        var bytes = File.ReadAllBytes(SmallImage(temp));
        File.WriteAllBytes(temp["empty"], []);
        File.WriteAllBytes(temp["text"], "just some text, long enough to be a superblock......................................................"u8.ToArray());
        File.WriteAllBytes(temp["truncated"], bytes[..(bytes.Length / 2)]);
        File.WriteAllBytes(temp["superblock-only"], bytes[..96]);

        StringAssert.Contains(Assert.ThrowsExactly<SquashFsException>(() => SquashFsImage.Open(temp["empty"])).Message, "too short");
        StringAssert.Contains(Assert.ThrowsExactly<SquashFsException>(() => SquashFsImage.Open(temp["text"])).Message, "bad magic");
        StringAssert.Contains(Assert.ThrowsExactly<SquashFsException>(() => SquashFsImage.Open(temp["truncated"])).Message, "truncated");
        StringAssert.Contains(Assert.ThrowsExactly<SquashFsException>(() => SquashFsImage.Open(temp["superblock-only"])).Message, "truncated");
    }

    [TestMethod]
    public void ADirectoryEntryPointingAtItsAncestorIsALoopNotAHang()
    {
        using var temp = new TempDirectory("reader");
        var tree = temp.CreateDirectory("tree");
        Directory.CreateDirectory(Path.Combine(tree, "sub"));
        var path = ReaderAcceptanceTests.MakeImage(tree, temp["image.sqfs"], "-noI", "-noD");
        var bytes = File.ReadAllBytes(path);
        long rootReference;
        using (var image = SquashFsImage.Open(path)) rootReference = image.Root.InodeReference;
        // Uncompressed directory table: the entry for "sub" is its name preceded by
        // offset, inode delta, type and size; point its offset at the root inode.
        var directoryTable = (int)BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(72));
        var name = bytes.AsSpan(directoryTable).IndexOf("sub"u8) + directoryTable;
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(name - 8), (ushort)(rootReference & 0xFFFF));
        File.WriteAllBytes(temp["loop.sqfs"], bytes);

        using var looped = SquashFsImage.Open(temp["loop.sqfs"]);
        Assert.AreEqual(looped.Root.InodeReference, looped.Lookup("sub/sub/sub")!.InodeReference, "the patch made a loop");
        var ls = DistriCli.Run("ls", "-R", temp["loop.sqfs"]);
        Assert.AreEqual(1, ls.ExitCode);
        StringAssert.Contains(ls.StandardError, "directory loop");
    }

    private static string ReadText(SquashFsImage image, string path)
    {
        var inode = image.Lookup(path)!;
        var buffer = new byte[inode.Size];
        Assert.AreEqual(buffer.Length, image.Read(inode, 0, buffer));
        return System.Text.Encoding.UTF8.GetString(buffer);
    }
}
