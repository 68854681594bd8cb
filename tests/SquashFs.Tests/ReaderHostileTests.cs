using System.Buffers.Binary;
using Distri.SquashFs;
using Distri.Testing;
using SquashFs.Tests.Fixtures;

namespace SquashFs.Tests;

/// <summary>Targeted hostile images: absurd counts, sizes and offsets end in SquashFsException, quickly and without huge allocations.</summary>
[TestClass]
public sealed class ReaderHostileTests
{
    private static byte[] SmallImageBytes(TempDirectory temp, params string[] options)
    {
        TestTrees.WriteSmallTree(temp["tree"]);
        return File.ReadAllBytes(ReaderAcceptanceTests.MakeImage(temp["tree"], temp["image.sqfs"], options));
    }

    /// <summary>Opens the image and reads everything in it; returns the exception that stopped it, if any.</summary>
    private static SquashFsException? OpenAndWalk(string path)
    {
        try
        {
            using var image = SquashFsImage.Open(path);
            var buffer = new byte[1 << 16];
            void Walk(SquashFsInode directory, int depth)
            {
                if (depth > 8) return;
                image.GetXattrs(directory);
                foreach (var entry in image.ReadDirectory(directory))
                {
                    var inode = image.GetInode(entry);
                    image.GetXattrs(inode);
                    if (inode.Type == SquashFsEntryType.Directory) Walk(inode, depth + 1);
                    else if (inode.Type == SquashFsEntryType.Symlink) image.ReadLink(inode);
                    else if (inode.Type == SquashFsEntryType.File)
                        for (long offset = 0; offset < Math.Min(inode.Size, 1 << 22);) offset += Math.Max(1, image.Read(inode, offset, buffer));
                }
            }
            Walk(image.Root, 0);
            return null;
        }
        catch (SquashFsException e)
        {
            return e;
        }
    }

    [TestMethod]
    [DataRow(4, 4, 0xFFFFFFFFu, "inode count")]
    [DataRow(12, 4, 0x80000000u, "block size")]
    [DataRow(16, 4, 0xFFFFFFFFu, "fragment count")]
    [DataRow(26, 2, 0xFFFFu, "id count")]
    [DataRow(26, 2, 0u, "id count zero")]
    [DataRow(28, 2, 3u, "major version")]
    [DataRow(32, 8, 0xFFFFFFFFFFFFu, "root inode")]
    [DataRow(40, 8, 0x7FFFFFFFFFFFFFFFu, "bytes used")]
    [DataRow(48, 8, 0xFFFFFFFFFFFFFFFFu, "id table")]
    [DataRow(56, 8, 100u, "xattr table")]
    [DataRow(64, 8, 0u, "inode table")]
    [DataRow(72, 8, 0xFFFFFFFFu, "directory table")]
    [DataRow(80, 8, 200u, "fragment table")]
    public void AbsurdSuperblockFieldsAreRefused(int offset, int width, ulong value, string field)
    {
        using var temp = new TempDirectory("hostile");
        var bytes = SmallImageBytes(temp);
        if (width == 2) BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(offset), (ushort)value);
        else if (width == 4) BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(offset), (uint)value);
        else BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(offset), value);
        File.WriteAllBytes(temp["patched.sqfs"], bytes);

        var e = OpenAndWalk(temp["patched.sqfs"]);
        // An inode count larger than needed is harmless; everything else must be refused.
        if (field != "inode count") Assert.IsNotNull(e, $"an absurd {field} was accepted");
    }

    [TestMethod]
    [DataRow(0xFFFFFFFFu)]
    [DataRow(0x7FFFFFFFu)]
    [DataRow(123_457u + 4096)]
    public void AnAbsurdFileSizeIsRefusedWithoutReadingOutsideTheImage(uint size)
    {
        using var temp = new TempDirectory("hostile");
        var tree = temp.CreateDirectory("tree");
        File.WriteAllBytes(Path.Combine(tree, "file"), TestTrees.Pattern(123_457, seed: 5));
        var bytes = File.ReadAllBytes(ReaderAcceptanceTests.MakeImage(tree, temp["image.sqfs"], "-noI", "-no-fragments"));
        // Uncompressed inode table: the basic file inode stores its size as a plain u32.
        var inodeTable = (int)BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(64));
        var at = bytes.AsSpan(inodeTable).IndexOf(BitConverter.GetBytes(123_457u)) + inodeTable;
        Assert.IsGreaterThan(inodeTable, at, "the file size is in the inode table");
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(at), size);
        File.WriteAllBytes(temp["patched.sqfs"], bytes);

        Assert.IsNotNull(OpenAndWalk(temp["patched.sqfs"]), "the block list cannot describe that size");
    }
}
