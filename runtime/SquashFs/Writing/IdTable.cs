using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Distri.SquashFs.Writing;

/// <summary>The uid/gid table: inodes store a 16-bit index into it. Ids are numbered in order of first use.</summary>
internal sealed class IdTable
{
    private readonly Dictionary<uint, ushort> _indexes = [];
    private readonly List<uint> _ids = [];

    public int Count => _ids.Count;

    public ushort IndexOf(uint id, string path)
    {
        if (_indexes.TryGetValue(id, out var index)) return index;
        if (_ids.Count > ushort.MaxValue)
            throw new SquashFsException($"'{path}': more than 65536 distinct uids and gids; SquashFS cannot store that many");
        index = (ushort)_ids.Count;
        _indexes.Add(id, index);
        _ids.Add(id);
        return index;
    }

    /// <summary>Writes the id blocks and their index; returns the superblock's id_table_start.</summary>
    public ulong WriteTo(ImageOutput output)
    {
        var table = new MetadataWriter();
        Span<byte> id = stackalloc byte[4];
        foreach (var value in _ids)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(id, value);
            table.Write(id);
        }
        return TableIndex.Write(output, table);
    }
}

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
