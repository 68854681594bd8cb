using System.Buffers.Binary;

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
