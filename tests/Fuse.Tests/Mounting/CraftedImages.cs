using System.Buffers.Binary;
using System.Text;
using Distri.SquashFs;

namespace Fuse.Tests.Mounting;

/// <summary>
/// Hostile images no writer makes, patched from images our writer made (uncompressed metadata,
/// xattr tables last), as a package in a repository or a store could hold them.
/// </summary>
internal static class CraftedImages
{
    // Superblock fields (SquashFS 4.0).
    private const int BytesUsedField = 40;
    private const int XattrTableField = 56;
    private const int DirectoryTableField = 72;
    private const ushort UncompressedBlock = 0x8000;
    private const int MetadataBlockSize = 8192;

    /// <summary>
    /// Makes <c>out/file</c>'s xattrs one 64 KiB value <c>user.v</c> plus <paramref name="sharers"/>
    /// entries <c>user.aNNNN</c> whose out-of-line values all point at it: about 150 KB of image that
    /// decodes to <paramref name="sharers"/> × 64 KiB if every value is read.
    /// </summary>
    public static void ShareOneXattrValue(string imagePath, int sharers)
    {
        var bytes = File.ReadAllBytes(imagePath);
        var xattrIdTable = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(XattrTableField));
        var pairsStart = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(xattrIdTable));
        var image = new MemoryStream();
        image.Write(bytes, 0, pairsStart); // everything before the xattr tables, which come last

        var pairs = new MemoryStream();
        var value = new byte[65536];
        Array.Fill(value, (byte)'v');
        WritePair(pairs, type: 0, "v", BitConverter.GetBytes((uint)value.Length).Concat(value).ToArray());
        const long valueReference = 2 + 2 + 1; // block 0, offset of user.v's size field
        for (var i = 0; i < sharers; i++)
            WritePair(pairs, type: 0x100, $"a{i:D4}", [.. BitConverter.GetBytes(8u), .. BitConverter.GetBytes((ulong)valueReference)]);
        WriteMetadata(image, pairs.ToArray());

        var idBlock = image.Position;
        var id = new byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(id, 0); // the set starts at the pairs' first byte
        BinaryPrimitives.WriteUInt32LittleEndian(id.AsSpan(8), (uint)sharers + 1);
        BinaryPrimitives.WriteUInt32LittleEndian(id.AsSpan(12), (uint)pairs.Length);
        WriteMetadata(image, id);

        var header = image.Position;
        var table = new byte[24];
        BinaryPrimitives.WriteUInt64LittleEndian(table, (ulong)pairsStart);
        BinaryPrimitives.WriteUInt32LittleEndian(table.AsSpan(8), 1);
        BinaryPrimitives.WriteUInt64LittleEndian(table.AsSpan(16), (ulong)idBlock);
        image.Write(table);

        var result = image.ToArray();
        BinaryPrimitives.WriteUInt64LittleEndian(result.AsSpan(XattrTableField), (ulong)header);
        BinaryPrimitives.WriteUInt64LittleEndian(result.AsSpan(BytesUsedField), (ulong)result.Length);
        File.WriteAllBytes(imagePath, result);
    }

    /// <summary>Makes the entry <paramref name="child"/> of directory <paramref name="parent"/> name <paramref name="parent"/> itself: a directory loop.</summary>
    public static void LoopBack(string imagePath, string parent, string child)
    {
        long parentReference, childReference;
        uint parentNumber, childNumber;
        using (var reader = SquashFsImage.Open(imagePath))
        {
            var p = reader.Lookup(parent)!;
            var c = reader.Lookup(parent + "/" + child)!;
            (parentReference, parentNumber, childReference, childNumber) = (p.InodeReference, p.InodeNumber, c.InodeReference, c.InodeNumber);
        }
        Assert.AreEqual(parentReference >> 16, childReference >> 16, "both inodes sit in one metadata block, so only the entry changes");
        var bytes = File.ReadAllBytes(imagePath);
        var directories = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(DirectoryTableField));
        // A directory entry: u16 inode offset, s16 inode number delta, u16 type (1: directory), u16 name length - 1, name.
        var name = Encoding.UTF8.GetBytes(child);
        byte[] pattern = [.. BitConverter.GetBytes((ushort)1), .. BitConverter.GetBytes((ushort)(name.Length - 1)), .. name];
        var at = bytes.AsSpan(directories).IndexOf(pattern) + directories - 4;
        Assert.IsGreaterThanOrEqualTo(directories, at, "the entry is in the directory table");
        Assert.AreEqual((ushort)(childReference & 0xFFFF), BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(at)), "found the child's entry");
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(at), (ushort)(parentReference & 0xFFFF));
        var delta = BinaryPrimitives.ReadInt16LittleEndian(bytes.AsSpan(at + 2));
        BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(at + 2), (short)(delta + (int)parentNumber - (int)childNumber));
        File.WriteAllBytes(imagePath, bytes);
    }

    private static void WritePair(Stream pairs, ushort type, string name, byte[] value)
    {
        Span<byte> head = stackalloc byte[4];
        BinaryPrimitives.WriteUInt16LittleEndian(head, type);
        BinaryPrimitives.WriteUInt16LittleEndian(head[2..], (ushort)name.Length);
        pairs.Write(head);
        pairs.Write(Encoding.ASCII.GetBytes(name));
        pairs.Write(value);
    }

    private static void WriteMetadata(Stream image, byte[] payload)
    {
        for (var offset = 0; offset < payload.Length; offset += MetadataBlockSize)
        {
            var length = Math.Min(MetadataBlockSize, payload.Length - offset);
            image.Write(BitConverter.GetBytes((ushort)(length | UncompressedBlock)));
            image.Write(payload, offset, length);
        }
    }
}
