using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Distri.SquashFs.Format;

namespace Distri.SquashFs;

/// <summary>File data: block runs read in place, compressed blocks, sparse blocks and fragment tails.</summary>
public sealed partial class SquashFsImage
{
    /// <summary>Reads file data at <paramref name="offset"/>; returns the bytes read (0 at or past the end).</summary>
    /// <exception cref="SquashFsException">Not a regular file, or its data is corrupt.</exception>
    public int Read(SquashFsInode file, long offset, Span<byte> buffer)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        if (file.Type != SquashFsEntryType.File || file.Layout is not FileLayout layout)
            throw new SquashFsException($"inode {file.InodeNumber} is a {file.Type.ToString().ToLowerInvariant()}, not a regular file");
        if (offset >= file.Size || buffer.IsEmpty) return 0;
        var end = Math.Min(file.Size, offset + buffer.Length);
        var total = (int)(end - offset);
        var destination = buffer[..total];
        var blockSize = _sb.BlockSize;
        var position = offset;

        // Blocks [first, last) hold the part of the range before the fragment tail.
        var first = (int)Math.Min(offset / blockSize, layout.BlockCount);
        var last = (int)Math.Min((end + blockSize - 1) / blockSize, layout.BlockCount);
        if (first < last)
        {
            var sizes = ArrayPool<uint>.Shared.Rent(last - first);
            try
            {
                var dataPosition = BlockSizes(file, layout, first, sizes.AsSpan(0, last - first));
                for (var i = first; i < last;)
                {
                    var inBlock = (int)(position - (long)i * blockSize);
                    var logical = (int)Math.Min(blockSize, file.Size - (long)i * blockSize);
                    var stored = sizes[i - first];
                    var length = (int)(stored & ~SquashFsFormat.DataUncompressedBit);
                    int n;
                    var blocks = 1;
                    if (stored == 0)
                    {
                        // A sparse block: the writer stored nothing for a block of zeros.
                        n = (int)Math.Min(logical - inBlock, end - position);
                        destination[..n].Clear();
                    }
                    else if ((stored & SquashFsFormat.DataUncompressedBit) != 0)
                    {
                        if (length != logical)
                            throw Corrupt($"block {i} of inode {file.InodeNumber} is stored as {length} bytes, not {logical}");
                        // Uncompressed blocks lie back to back: read the whole run with one pread
                        // straight into the caller's buffer.
                        while (i + blocks < last && sizes[i + blocks - first] == (SquashFsFormat.DataUncompressedBit | (uint)Math.Min(blockSize, file.Size - (long)(i + blocks) * blockSize)))
                            blocks++;
                        n = (int)(Math.Min(end, (long)(i + blocks) * blockSize) - position);
                        _reader.ReadExactly(destination[..n], dataPosition + inBlock, $"data of inode {file.InodeNumber}");
                    }
                    else
                    {
                        n = (int)Math.Min(logical - inBlock, end - position);
                        ReadCompressedBlock(file, i, dataPosition, length, logical, inBlock, destination[..n]);
                    }
                    for (var j = 0; j < blocks; j++) dataPosition += sizes[i + j - first] & ~SquashFsFormat.DataUncompressedBit;
                    i += blocks;
                    destination = destination[n..];
                    position += n;
                }
            }
            finally
            {
                ArrayPool<uint>.Shared.Return(sizes);
            }
        }
        if (position < end)
            ReadTail(file, layout, position - (long)layout.BlockCount * blockSize, destination);
        return total;
    }

    private void ReadCompressedBlock(SquashFsInode file, int index, long position, int stored, int logical, int inBlock, Span<byte> destination)
    {
        var compressed = ArrayPool<byte>.Shared.Rent(stored);
        var plain = ArrayPool<byte>.Shared.Rent(logical);
        try
        {
            _reader.ReadExactly(compressed.AsSpan(0, stored), position, $"data of inode {file.InodeNumber}");
            var length = BlockDecompressor.Decompress(_sb.Compression, compressed.AsSpan(0, stored), plain.AsSpan(0, logical), $"block {index} of inode {file.InodeNumber}");
            if (length != logical) throw Corrupt($"block {index} of inode {file.InodeNumber} decompresses to {length} bytes, not {logical}");
            plain.AsSpan(inBlock, destination.Length).CopyTo(destination);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(plain);
            ArrayPool<byte>.Shared.Return(compressed);
        }
    }

    /// <summary>Fills <paramref name="sizes"/> with the stored sizes of blocks from <paramref name="first"/> on; returns where block <paramref name="first"/> starts.</summary>
    private long BlockSizes(SquashFsInode file, FileLayout layout, int first, Span<uint> sizes)
    {
        var blocks = layout.Blocks ??= ScanBlocks(file, layout);
        var checkpoint = first / FileBlocks.Interval;
        var cursor = blocks.Cursors[checkpoint];
        var position = blocks.Positions[checkpoint];
        Span<byte> raw = stackalloc byte[4 * 64];
        for (var skip = first - checkpoint * FileBlocks.Interval; skip > 0;)
        {
            var n = Math.Min(skip, 64);
            _inodes.Read(ref cursor, raw[..(4 * n)]);
            for (var j = 0; j < n; j++) position += BinaryPrimitives.ReadUInt32LittleEndian(raw[(4 * j)..]) & ~SquashFsFormat.DataUncompressedBit;
            skip -= n;
        }
        _inodes.Read(ref cursor, MemoryMarshal.AsBytes(sizes));
        if (!BitConverter.IsLittleEndian)
            for (var j = 0; j < sizes.Length; j++) sizes[j] = BinaryPrimitives.ReverseEndianness(sizes[j]);
        return position;
    }

    /// <summary>
    /// Walks the whole block list once: checks every size and that every block lies inside the
    /// image (so reads need no further checks on it), and records a checkpoint every 256 blocks.
    /// </summary>
    private FileBlocks ScanBlocks(SquashFsInode file, FileLayout layout)
    {
        var count = (layout.BlockCount + FileBlocks.Interval - 1) / FileBlocks.Interval;
        var positions = new long[Math.Max(count, 1)];
        var cursors = new MetadataCursor[Math.Max(count, 1)];
        var cursor = layout.BlockList;
        var position = layout.BlocksStart;
        cursors[0] = cursor;
        positions[0] = position;
        Span<byte> raw = stackalloc byte[4 * FileBlocks.Interval];
        for (var k = 0; k < count; k++)
        {
            positions[k] = position;
            cursors[k] = cursor.Detached;
            var n = Math.Min(FileBlocks.Interval, layout.BlockCount - k * FileBlocks.Interval);
            _inodes.Read(ref cursor, raw[..(4 * n)]);
            for (var j = 0; j < n; j++)
            {
                var stored = BinaryPrimitives.ReadUInt32LittleEndian(raw[(4 * j)..]);
                var length = stored & ~SquashFsFormat.DataUncompressedBit;
                if (length > _sb.BlockSize || (stored & ~(SquashFsFormat.DataUncompressedBit | 0xFFFFFF)) != 0)
                    throw Corrupt($"block {k * FileBlocks.Interval + j} of inode {file.InodeNumber} has stored size {stored:x}");
                position += length;
                if (position > _sb.BytesUsed)
                    throw Corrupt($"block {k * FileBlocks.Interval + j} of inode {file.InodeNumber} lies outside the image");
            }
        }
        return new FileBlocks(positions, cursors);
    }

    private sealed class FragmentBlock(uint index, byte[] data, int length)
    {
        public uint Index { get; } = index;
        public byte[] Data { get; } = data;
        public int Length { get; } = length;
    }

    private int ReadTail(SquashFsInode file, FileLayout layout, long inTail, Span<byte> destination)
    {
        if (layout.Fragment == SquashFsFormat.InvalidFragment) throw Corrupt($"inode {file.InodeNumber} has no data past block {layout.BlockCount}");
        var fragment = GetFragment(layout.Fragment);
        var tailLength = file.Size - (long)layout.BlockCount * _sb.BlockSize;
        if (layout.FragmentOffset + tailLength > fragment.Length)
            throw Corrupt($"the tail of inode {file.InodeNumber} runs past the end of fragment {layout.Fragment}");
        var n = (int)Math.Min(destination.Length, tailLength - inTail);
        fragment.Data.AsSpan(layout.FragmentOffset + (int)inTail, n).CopyTo(destination);
        return n;
    }

    private FragmentBlock GetFragment(uint index)
    {
        // Many small files share one fragment block: a small cache saves decompressing it per file.
        ref var slot = ref _fragmentCache[index % FragmentCacheSlots];
        var cached = Volatile.Read(ref slot);
        if (cached is not null && cached.Index == index) return cached;

        var position = (long)index * 16;
        var c = new MetadataCursor(_fragmentIndex[position / SquashFsFormat.MetadataBlockSize], (int)(position % SquashFsFormat.MetadataBlockSize));
        var start = _fragmentEntries!.ReadUInt64(ref c);
        var stored = _fragmentEntries.ReadUInt32(ref c);
        var length = stored & ~SquashFsFormat.DataUncompressedBit;
        if (length == 0 || length > _sb.BlockSize || (stored & ~(SquashFsFormat.DataUncompressedBit | 0xFFFFFF)) != 0)
            throw Corrupt($"fragment {index} has stored size {stored:x}");
        if (start > (ulong)_sb.BytesUsed) throw Corrupt($"fragment {index} lies outside the image");
        var data = new byte[_sb.BlockSize];
        int decoded;
        if ((stored & SquashFsFormat.DataUncompressedBit) != 0)
        {
            _reader.ReadExactly(data.AsSpan(0, (int)length), (long)start, $"fragment {index}");
            decoded = (int)length;
        }
        else
        {
            var compressed = ArrayPool<byte>.Shared.Rent((int)length);
            try
            {
                _reader.ReadExactly(compressed.AsSpan(0, (int)length), (long)start, $"fragment {index}");
                decoded = BlockDecompressor.Decompress(_sb.Compression, compressed.AsSpan(0, (int)length), data, $"fragment {index}");
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(compressed);
            }
        }
        var block = new FragmentBlock(index, data, decoded);
        Volatile.Write(ref slot, block);
        return block;
    }
}
