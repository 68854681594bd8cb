using System.Buffers;
using System.Buffers.Binary;
using Distri.SquashFs.Format;

namespace Distri.SquashFs.Writing;

/// <summary>
/// Builds one metadata table (inodes, directories, ids, xattrs) in memory as a run of
/// <em>uncompressed</em> metadata blocks: a 2-byte header (length | 0x8000) and up to 8 KiB of
/// payload each. Entries may span blocks, as the format allows.
/// </summary>
internal sealed class MetadataWriter
{
    /// <summary>On-disk size of a full block: the header and 8 KiB of payload.</summary>
    public const int StoredBlockSize = 2 + SquashFsFormat.MetadataBlockSize;

    private readonly ArrayBufferWriter<byte> _blocks = new(64 * 1024);
    private readonly byte[] _current = new byte[SquashFsFormat.MetadataBlockSize];
    private int _used;

    /// <summary>Payload bytes written so far (as if the blocks had no headers).</summary>
    public long LogicalLength => (long)BlockCount * SquashFsFormat.MetadataBlockSize + _used;

    /// <summary>Finished blocks so far.</summary>
    public int BlockCount { get; private set; }

    /// <summary>Where the next byte goes: offset of its block from the table start, and offset in the block.</summary>
    public (uint Block, ushort Offset) Position => (checked((uint)((long)BlockCount * StoredBlockSize)), (ushort)_used);

    /// <summary>The (block, offset) of a logical payload position, e.g. one recorded earlier.</summary>
    public static (uint Block, ushort Offset) PositionOf(long logical) =>
        (checked((uint)(logical / SquashFsFormat.MetadataBlockSize * StoredBlockSize)), (ushort)(logical % SquashFsFormat.MetadataBlockSize));

    /// <summary>A metadata reference: block offset &lt;&lt; 16 | offset in block.</summary>
    public long Reference => ((long)Position.Block << 16) | Position.Offset;

    public void Write(ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty)
        {
            var n = Math.Min(data.Length, _current.Length - _used);
            data[..n].CopyTo(_current.AsSpan(_used));
            _used += n;
            data = data[n..];
            if (_used == _current.Length) FlushBlock();
        }
    }

    /// <summary>The finished table: every block, the last one possibly short.</summary>
    public ReadOnlyMemory<byte> Finish()
    {
        if (_used > 0) FlushBlock();
        return _blocks.WrittenMemory;
    }

    private void FlushBlock()
    {
        var header = _blocks.GetSpan(2);
        BinaryPrimitives.WriteUInt16LittleEndian(header, (ushort)(_used | SquashFsFormat.MetadataUncompressedBit));
        _blocks.Advance(2);
        _blocks.Write(_current.AsSpan(0, _used));
        _used = 0;
        BlockCount++;
    }
}
