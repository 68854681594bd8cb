using System.Buffers.Binary;
using Distri.SquashFs.Format;
using Microsoft.Win32.SafeHandles;

namespace Distri.SquashFs;

/// <summary>A decoded metadata block: its payload and where the next block of the table starts.</summary>
internal sealed class MetadataBlock(long position, byte[] data, int length, long next)
{
    public long Position { get; } = position;
    public byte[] Data { get; } = data;
    public int Length { get; } = length;
    public long Next { get; } = next;
}

/// <summary>
/// A position in a metadata table: the absolute position of a block and an offset in its payload.
/// Remembers the decoded block it points into, so reading field after field costs no cache lookups.
/// </summary>
internal struct MetadataCursor(long block, int offset)
{
    public long Block = block;
    public int Offset = offset;
    public MetadataBlock? Current;

    /// <summary>The same position without the block, for cursors kept in long-lived objects (inodes) so they do not pin blocks the cache let go.</summary>
    public readonly MetadataCursor Detached => new(Block, Offset);
}

/// <summary>
/// Reads and caches metadata blocks. The cache is direct-mapped: a fixed array of immutable
/// blocks, replaced with a single reference write, so concurrent readers need no lock and the
/// memory stays bounded (at most <see cref="CacheSlots"/> × 8 KiB).
/// </summary>
internal sealed class MetadataReader(SafeFileHandle handle, SquashFsCompression compression, long bytesUsed)
{
    private const int CacheSlots = 2048;
    private readonly MetadataBlock?[] _cache = new MetadataBlock?[CacheSlots];

    public SafeFileHandle Handle { get; } = handle;
    public SquashFsCompression Compression { get; } = compression;
    public long BytesUsed { get; } = bytesUsed;

    /// <summary>Reads exactly <paramref name="buffer"/>.Length bytes at <paramref name="position"/>, all inside the image.</summary>
    public void ReadExactly(Span<byte> buffer, long position, string what)
    {
        if (position < 0 || position > BytesUsed - buffer.Length)
            throw new SquashFsException($"{what} at {position} (+{buffer.Length}) lies outside the image ({BytesUsed} bytes)");
        while (!buffer.IsEmpty)
        {
            int n;
            try
            {
                n = RandomAccess.Read(Handle, buffer, position);
            }
            catch (IOException e)
            {
                throw new SquashFsException($"cannot read {what} at {position}: {e.Message}", e);
            }
            catch (ObjectDisposedException e)
            {
                // Another thread closed the image (its file left the store) while this one read.
                throw new SquashFsException($"cannot read {what} at {position}: the image was closed", e);
            }
            if (n == 0) throw new SquashFsException($"image is truncated: {what} at {position} is past the end of the file");
            buffer = buffer[n..];
            position += n;
        }
    }

    /// <summary>The metadata block at <paramref name="position"/>, which must lie in [<paramref name="start"/>, <paramref name="end"/>).</summary>
    public MetadataBlock ReadBlock(long position, long start, long end, string table)
    {
        var slot = (int)((ulong)(position * unchecked((long)0x9E3779B97F4A7C15)) >> 53) & (CacheSlots - 1);
        var cached = Volatile.Read(ref _cache[slot]);
        if (cached is not null && cached.Position == position) return cached;

        if (position < start || position > end - 2)
            throw new SquashFsException($"{table} block at {position} is outside the table [{start}, {end})");
        Span<byte> header = stackalloc byte[2];
        ReadExactly(header, position, table + " block header");
        var word = BinaryPrimitives.ReadUInt16LittleEndian(header);
        var size = word & ~SquashFsFormat.MetadataUncompressedBit;
        if (size == 0 || size > SquashFsFormat.MetadataBlockSize)
            throw new SquashFsException($"{table} block at {position} has invalid size {size}");
        if (position + 2 + size > end)
            throw new SquashFsException($"{table} block at {position} (+{size}) runs past the end of the table at {end}");

        var data = new byte[SquashFsFormat.MetadataBlockSize];
        int length;
        if ((word & SquashFsFormat.MetadataUncompressedBit) != 0)
        {
            ReadExactly(data.AsSpan(0, size), position + 2, table + " block");
            length = size;
        }
        else
        {
            var raw = new byte[size];
            ReadExactly(raw, position + 2, table + " block");
            length = BlockDecompressor.Decompress(Compression, raw, data, $"{table} block at {position}");
            if (length == 0) throw new SquashFsException($"{table} block at {position} is empty");
        }
        var block = new MetadataBlock(position, data, length, position + 2 + size);
        Volatile.Write(ref _cache[slot], block);
        return block;
    }
}

/// <summary>One metadata table (inodes, directories, ids, fragments, xattrs) with its bounds in the image.</summary>
internal sealed class MetadataTable(MetadataReader reader, long start, long end, string name)
{
    public long Start { get; } = start;
    public long End { get; } = end;
    public string Name { get; } = name;

    /// <summary>A cursor for a reference relative to the table start (block offset, offset in block).</summary>
    public MetadataCursor At(long relativeBlock, int offset)
    {
        if (relativeBlock < 0 || relativeBlock >= End - Start || offset < 0 || offset >= SquashFsFormat.MetadataBlockSize)
            throw new SquashFsException($"{Name} reference {relativeBlock}:{offset} is outside the table");
        return new MetadataCursor(Start + relativeBlock, offset);
    }

    /// <summary>A cursor for an inode or xattr reference ((block &lt;&lt; 16) | offset).</summary>
    public MetadataCursor At(long reference)
    {
        if (reference < 0 || (ulong)reference >> 48 != 0)
            throw new SquashFsException($"{Name} reference {reference:x} is invalid");
        return At(reference >> 16, (int)(reference & 0xFFFF));
    }

    /// <summary>
    /// Reads <paramref name="scratch"/>.Length bytes: a view into the cached block when they lie in
    /// one block (no copy), else copied into <paramref name="scratch"/>.
    /// </summary>
    public ReadOnlySpan<byte> ReadSpan(ref MetadataCursor cursor, Span<byte> scratch)
    {
        var block = BlockAt(ref cursor);
        if (cursor.Offset + scratch.Length <= block.Length)
        {
            var span = block.Data.AsSpan(cursor.Offset, scratch.Length);
            cursor.Offset += scratch.Length;
            return span;
        }
        Read(ref cursor, scratch);
        return scratch;
    }

    private MetadataBlock BlockAt(ref MetadataCursor cursor)
    {
        if (cursor.Current is { } current && current.Position == cursor.Block) return current;
        var block = reader.ReadBlock(cursor.Block, Start, End, Name);
        cursor.Current = block;
        return block;
    }

    public void Read(ref MetadataCursor cursor, Span<byte> destination)
    {
        while (!destination.IsEmpty)
        {
            var n = Available(ref cursor, destination.Length, out var block);
            block.Data.AsSpan(cursor.Offset, n).CopyTo(destination);
            destination = destination[n..];
            cursor.Offset += n;
        }
    }

    /// <summary>Moves the cursor <paramref name="count"/> bytes on without copying them.</summary>
    public void Skip(ref MetadataCursor cursor, long count)
    {
        while (count > 0)
        {
            var n = Available(ref cursor, (int)Math.Min(count, int.MaxValue), out _);
            count -= n;
            cursor.Offset += n;
        }
    }

    /// <summary>How many of <paramref name="wanted"/> bytes the cursor's block holds from the cursor on (moving to the next block at an end).</summary>
    private int Available(ref MetadataCursor cursor, int wanted, out MetadataBlock block)
    {
        while (true)
        {
            block = BlockAt(ref cursor);
            if (cursor.Offset > block.Length)
                throw new SquashFsException($"{Name} offset {cursor.Offset} is past the end of the block at {cursor.Block} ({block.Length} bytes)");
            if (cursor.Offset < block.Length) return Math.Min(wanted, block.Length - cursor.Offset);
            cursor = new MetadataCursor(block.Next, 0);
        }
    }

    public ushort ReadUInt16(ref MetadataCursor cursor) => BinaryPrimitives.ReadUInt16LittleEndian(ReadSpan(ref cursor, stackalloc byte[2]));

    public uint ReadUInt32(ref MetadataCursor cursor) => BinaryPrimitives.ReadUInt32LittleEndian(ReadSpan(ref cursor, stackalloc byte[4]));

    public ulong ReadUInt64(ref MetadataCursor cursor) => BinaryPrimitives.ReadUInt64LittleEndian(ReadSpan(ref cursor, stackalloc byte[8]));
}
