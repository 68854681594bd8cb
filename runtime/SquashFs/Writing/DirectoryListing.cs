using System.Buffers;
using System.Buffers.Binary;
using Distri.SquashFs.Format;

namespace Distri.SquashFs.Writing;

/// <summary>
/// One directory's entries as stored in the directory table: runs of at most 256 entries behind a
/// header naming the metadata block and base number of their inodes, plus the directory index.
/// </summary>
internal sealed class DirectoryListing
{
    private const int HeaderSize = 12;
    private const int EntrySize = 8;

    public required byte[] Bytes { get; init; }
    /// <summary>Where a header starts (offset in <see cref="Bytes"/>) and the first name behind it, about one per 8 KiB.</summary>
    public required List<(int Offset, byte[] Name)> Index { get; init; }

    /// <summary>Builds the listing of <paramref name="children"/>, which are sorted and have inode references and numbers.</summary>
    public static DirectoryListing Build(List<SourceNode> children)
    {
        var bytes = new ArrayBufferWriter<byte>(Math.Max(16, children.Count * 24));
        var index = new List<(int, byte[])>();
        var headerAt = -1;
        var count = 0;
        uint baseBlock = 0, baseNumber = 0;
        var indexedAt = 0;

        foreach (var child in children)
        {
            var inode = child.Inode;
            var block = (uint)(inode.Reference >> 16);
            var delta = (long)inode.Number - baseNumber;
            var size = EntrySize + child.Name.Length;
            // A new run starts at 256 entries, when the inodes' metadata block changes, when the inode
            // number is out of the 16-bit delta's reach, and at least once per 8 KiB so the index
            // (which can only point at run starts) lets the kernel skip straight to the right block.
            var crossesIndexWindow = bytes.WrittenCount + size - indexedAt > SquashFsFormat.MetadataBlockSize;
            if (headerAt < 0 || count == SquashFsFormat.MaxDirectoryRun || block != baseBlock
                || delta is < short.MinValue or > short.MaxValue || crossesIndexWindow)
            {
                if (headerAt >= 0)
                {
                    FinishRun(bytes, headerAt, count, baseBlock, baseNumber);
                    if (crossesIndexWindow)
                    {
                        index.Add((bytes.WrittenCount, child.Name));
                        indexedAt = bytes.WrittenCount;
                    }
                }
                headerAt = bytes.WrittenCount;
                bytes.GetSpan(HeaderSize)[..HeaderSize].Clear();
                bytes.Advance(HeaderSize);
                count = 0;
                baseBlock = block;
                baseNumber = inode.Number;
                delta = 0;
            }

            var entry = bytes.GetSpan(size);
            BinaryPrimitives.WriteUInt16LittleEndian(entry, (ushort)(inode.Reference & 0xFFFF));
            BinaryPrimitives.WriteInt16LittleEndian(entry[2..], (short)delta);
            BinaryPrimitives.WriteUInt16LittleEndian(entry[4..], (ushort)(inode.Type + 1)); // basic inode type
            BinaryPrimitives.WriteUInt16LittleEndian(entry[6..], (ushort)(child.Name.Length - 1));
            child.Name.CopyTo(entry[EntrySize..]);
            bytes.Advance(size);
            count++;
        }
        if (headerAt >= 0) FinishRun(bytes, headerAt, count, baseBlock, baseNumber);
        return new DirectoryListing { Bytes = bytes.WrittenSpan.ToArray(), Index = index };
    }

    private static void FinishRun(ArrayBufferWriter<byte> bytes, int headerAt, int count, uint block, uint number)
    {
        // ArrayBufferWriter exposes written bytes read-only; the header is patched in place through the memory.
        var header = System.Runtime.InteropServices.MemoryMarshal.AsMemory(bytes.WrittenMemory).Span.Slice(headerAt, HeaderSize);
        BinaryPrimitives.WriteUInt32LittleEndian(header, (uint)(count - 1));
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], block);
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], number);
    }
}
