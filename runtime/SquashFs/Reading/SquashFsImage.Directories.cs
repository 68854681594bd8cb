using System.Buffers.Binary;
using System.Text;
using Distri.SquashFs.Format;

namespace Distri.SquashFs;

/// <summary>Directories: listings, and lookups that start from the directory index.</summary>
public sealed partial class SquashFsImage
{
    /// <summary>Looks up one name in a directory; null if absent. Uses the directory index of big directories.</summary>
    public SquashFsInode? Lookup(SquashFsInode directory, string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        DirectoryOf(directory);
        if (name.Length > SquashFsFormat.MaxNameLength) return null; // more than 256 UTF-8 bytes
        Span<byte> utf8 = stackalloc byte[SquashFsFormat.MaxNameLength * 3];
        return Lookup(directory, utf8[..Encoding.UTF8.GetBytes(name, utf8)]);
    }

    /// <summary>Looks up one name given as raw bytes (as FUSE passes it; also names that are not UTF-8); null if absent.</summary>
    public SquashFsInode? Lookup(SquashFsInode directory, ReadOnlySpan<byte> wanted)
    {
        var layout = DirectoryOf(directory);
        if (wanted.IsEmpty || wanted.Length > SquashFsFormat.MaxNameLength || wanted.IndexOfAny((byte)'/', (byte)0) >= 0) return null;

        var cursor = _directories.At(layout.StartBlock, layout.Offset);
        var remaining = layout.ListingSize;
        if (layout.IndexCount > 0)
        {
            // Each index entry names the first entry of a metadata block of the listing; start
            // from the last one not past the wanted name, as the kernel does.
            var index = layout.Index;
            Span<byte> indexName = stackalloc byte[SquashFsFormat.MaxNameLength];
            long skip = 0;
            uint block = layout.StartBlock;
            for (var i = 0; i < layout.IndexCount; i++)
            {
                var offset = _inodes.ReadUInt32(ref index);
                var start = _inodes.ReadUInt32(ref index);
                var size = _inodes.ReadUInt32(ref index) + 1L;
                if (size > SquashFsFormat.MaxNameLength) throw Corrupt($"directory index name of {size} bytes in inode {directory.InodeNumber}");
                if (_inodes.ReadSpan(ref index, indexName[..(int)size]).SequenceCompareTo(wanted) > 0) break;
                if (offset < skip || offset >= layout.ListingSize) throw Corrupt($"directory index offset {offset} in inode {directory.InodeNumber}");
                skip = offset;
                block = start;
            }
            if (skip > 0)
            {
                cursor = _directories.At(block, (int)((layout.Offset + skip) % SquashFsFormat.MetadataBlockSize));
                remaining -= skip;
            }
        }

        Span<byte> scratch = stackalloc byte[SquashFsFormat.MaxNameLength];
        while (remaining > 0)
        {
            var header = ReadDirectoryHeader(ref cursor, ref remaining, directory);
            for (var i = 0; i < header.Count; i++)
            {
                var entry = ReadDirectoryEntryView(ref cursor, ref remaining, directory, scratch, out var entryName);
                var order = entryName.SequenceCompareTo(wanted);
                if (order == 0) return GetInode(((long)header.StartBlock << 16) | entry.Offset);
                // Listings are sorted by name bytes: past the name means absent.
                if (order > 0) return null;
            }
        }
        return null;
    }

    /// <summary>Lists a directory in on-disk (sorted) order, without "." and "..".</summary>
    public IEnumerable<SquashFsDirectoryEntry> ReadDirectory(SquashFsInode directory)
    {
        var layout = DirectoryOf(directory);
        return Enumerate(directory, layout);
    }

    /// <summary>
    /// Lists a directory like <see cref="ReadDirectory"/>, with each name as its stored bytes (for
    /// names that are not UTF-8, and callers such as FUSE that pass bytes on without decoding).
    /// </summary>
    public IEnumerable<SquashFsRawDirectoryEntry> ReadDirectoryRaw(SquashFsInode directory)
    {
        var layout = DirectoryOf(directory);
        return EnumerateRaw(directory, layout);
    }

    /// <summary>Builds one listing entry from the name bytes (valid only during the call) and the entry's fields.</summary>
    private delegate T EntryFactory<T>(ReadOnlySpan<byte> name, SquashFsEntryType type, uint inodeNumber, long inodeReference);

    private IEnumerable<SquashFsRawDirectoryEntry> EnumerateRaw(SquashFsInode directory, DirectoryLayout layout) =>
        Enumerate(directory, layout, static (name, type, number, reference) =>
            new SquashFsRawDirectoryEntry(name.ToArray(), type, number, reference));

    private IEnumerable<SquashFsDirectoryEntry> Enumerate(SquashFsInode directory, DirectoryLayout layout) =>
        Enumerate(directory, layout, static (name, type, number, reference) =>
            new SquashFsDirectoryEntry(DecodeName(name), type, number, reference));

    /// <summary>Walks a directory listing once; the factory decides how names are handed out.</summary>
    private IEnumerable<T> Enumerate<T>(SquashFsInode directory, DirectoryLayout layout, EntryFactory<T> factory)
    {
        var cursor = _directories.At(layout.StartBlock, layout.Offset);
        var remaining = layout.ListingSize;
        var name = new byte[SquashFsFormat.MaxNameLength];
        while (remaining > 0)
        {
            var header = ReadDirectoryHeader(ref cursor, ref remaining, directory);
            for (var i = 0; i < header.Count; i++)
            {
                var entry = ReadDirectoryEntry(ref cursor, ref remaining, directory, name, out var nameLength);
                yield return factory(
                    name.AsSpan(0, nameLength),
                    entry.Type,
                    unchecked(header.InodeBase + (uint)entry.InodeDelta),
                    ((long)header.StartBlock << 16) | entry.Offset);
            }
        }
    }

    private readonly record struct DirectoryHeader(int Count, uint StartBlock, uint InodeBase);

    private readonly record struct DirectoryEntry(ushort Offset, short InodeDelta, SquashFsEntryType Type);

    private DirectoryHeader ReadDirectoryHeader(ref MetadataCursor cursor, ref long remaining, SquashFsInode directory)
    {
        if (remaining < 12) throw Corrupt($"directory listing of inode {directory.InodeNumber} ends inside a header");
        var b = _directories.ReadSpan(ref cursor, stackalloc byte[12]);
        remaining -= 12;
        var count = BinaryPrimitives.ReadUInt32LittleEndian(b) + 1L;
        if (count > SquashFsFormat.MaxDirectoryRun) throw Corrupt($"directory header of inode {directory.InodeNumber} claims {count} entries");
        return new DirectoryHeader((int)count, BinaryPrimitives.ReadUInt32LittleEndian(b[4..]), BinaryPrimitives.ReadUInt32LittleEndian(b[8..]));
    }

    private DirectoryEntry ReadDirectoryEntry(ref MetadataCursor cursor, ref long remaining, SquashFsInode directory, Span<byte> name, out int nameLength)
    {
        var entry = ReadDirectoryEntryView(ref cursor, ref remaining, directory, name, out var view);
        nameLength = view.Length;
        view.CopyTo(name);
        return entry;
    }

    /// <summary>Reads one entry; <paramref name="name"/> views the cached block where possible (valid until the next read).</summary>
    private DirectoryEntry ReadDirectoryEntryView(ref MetadataCursor cursor, ref long remaining, SquashFsInode directory, Span<byte> scratch, out ReadOnlySpan<byte> name)
    {
        if (remaining < 8) throw Corrupt($"directory listing of inode {directory.InodeNumber} ends inside an entry");
        var b = _directories.ReadSpan(ref cursor, stackalloc byte[8]);
        var offset = BinaryPrimitives.ReadUInt16LittleEndian(b);
        var delta = BinaryPrimitives.ReadInt16LittleEndian(b[2..]);
        var type = BinaryPrimitives.ReadUInt16LittleEndian(b[4..]);
        var nameLength = BinaryPrimitives.ReadUInt16LittleEndian(b[6..]) + 1;
        remaining -= 8 + nameLength;
        if (nameLength > SquashFsFormat.MaxNameLength || remaining < 0)
            throw Corrupt($"directory entry of {nameLength} bytes in inode {directory.InodeNumber}");
        if (offset >= SquashFsFormat.MetadataBlockSize) throw Corrupt($"directory entry inode offset {offset} in inode {directory.InodeNumber}");
        name = _directories.ReadSpan(ref cursor, scratch[..nameLength]);
        if (name.IndexOfAny((byte)'/', (byte)0) >= 0 || name.SequenceEqual("."u8) || name.SequenceEqual(".."u8))
            throw Corrupt($"invalid name in directory inode {directory.InodeNumber}");
        return new DirectoryEntry(offset, delta, EntryType(type, "directory entry"));
    }

    private static string DecodeName(ReadOnlySpan<byte> name) => Encoding.UTF8.GetString(name);
}
