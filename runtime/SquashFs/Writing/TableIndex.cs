using System.Runtime.InteropServices;

namespace Distri.SquashFs.Writing;

/// <summary>Tables read through an index of u64 block locations placed right after their blocks (ids, xattr ids).</summary>
internal static class TableIndex
{
    /// <summary>Writes the blocks, then their index; returns where the index starts.</summary>
    public static ulong Write(ImageOutput output, MetadataWriter table, ReadOnlySpan<byte> header = default)
    {
        var blocksStart = output.Position;
        var blocks = table.Finish();
        output.Write(blocks.Span);
        var indexStart = output.Position;
        output.Write(header);
        var index = new ulong[table.BlockCount];
        for (var i = 0; i < index.Length; i++)
            index[i] = (ulong)(blocksStart + (long)i * MetadataWriter.StoredBlockSize);
        output.Write(MemoryMarshal.AsBytes(index.AsSpan()));
        return (ulong)indexStart;
    }
}
