using System.Buffers.Binary;
using Distri.SquashFs.Format;
using Microsoft.Win32.SafeHandles;

namespace Distri.SquashFs;

/// <summary>
/// A read-only SquashFS image: lookups, directory listings, link targets, xattrs and positional
/// reads of file data. Thread-safe for concurrent readers: metadata goes through a bounded
/// lock-free cache of immutable blocks, data reads share no mutable state.
/// Every problem with the image surfaces as <see cref="SquashFsException"/>; every offset is
/// checked against the table it belongs to and the superblock's bytes used.
/// </summary>
public sealed partial class SquashFsImage : IDisposable
{
    /// <summary>Symlinks followed while resolving one path, as Linux's MAXSYMLINKS.</summary>
    public const int MaxSymlinkHops = 40;
    private const int MaxSymlinkSize = 65535;
    /// <summary>Linux's XATTR_NAME_MAX; the stored name lacks the prefix, so this is generous.</summary>
    private const int XattrNameMax = 255;
    private const int FragmentCacheSlots = 16;

    private readonly SafeFileHandle _handle;
    private readonly bool _ownsHandle;
    private readonly Superblock _sb;
    private readonly MetadataReader _reader;
    private readonly MetadataTable _inodes;
    private readonly MetadataTable _directories;
    private readonly uint[] _ids;
    private readonly long[] _fragmentIndex;
    private readonly MetadataTable? _fragmentEntries;
    private readonly FragmentBlock?[] _fragmentCache = new FragmentBlock?[FragmentCacheSlots];
    private readonly uint _xattrIdCount;
    private readonly long[] _xattrIdIndex = [];
    private readonly MetadataTable? _xattrIds;
    private readonly MetadataTable? _xattrValues;

    private SquashFsImage(SafeFileHandle handle, bool ownsHandle)
    {
        _handle = handle;
        _ownsHandle = ownsHandle;
        long length;
        var header = new byte[SquashFsFormat.SuperblockSize];
        int n;
        try
        {
            length = RandomAccess.GetLength(handle);
            n = length < header.Length ? 0 : RandomAccess.Read(handle, header, 0);
        }
        catch (IOException e)
        {
            throw new SquashFsException($"cannot read the image: {e.Message}", e);
        }
        _sb = Superblock.Parse(header.AsSpan(0, n), length);
        _reader = new MetadataReader(handle, _sb.Compression, _sb.BytesUsed);
        if ((_sb.Flags & SquashFsFlags.CompressorOptions) != 0) CheckCompressorOptions();

        // Tables follow each other as mksquashfs and the kernel expect: inodes, directories,
        // fragments, export, ids, xattrs; each table's index array comes after its blocks.
        _ids = ReadIds(out var idBlocksStart);
        var directoriesEnd = idBlocksStart;
        _fragmentIndex = [];
        if (_sb.FragmentCount > 0)
        {
            if (_sb.FragmentTableStart < 0) throw new SquashFsException($"the image has {_sb.FragmentCount} fragments but no fragment table");
            _fragmentIndex = ReadIndex(_sb.FragmentTableStart, (long)_sb.FragmentCount * 16, _sb.DirectoryTableStart, _sb.FragmentTableStart, "fragment table");
            _fragmentEntries = new MetadataTable(_reader, _sb.DirectoryTableStart, _sb.FragmentTableStart, "fragment table");
            directoriesEnd = Math.Min(directoriesEnd, _fragmentIndex[0]);
        }
        if (_sb.XattrIdTableStart >= 0)
        {
            Span<byte> xattrHeader = stackalloc byte[16];
            _reader.ReadExactly(xattrHeader, _sb.XattrIdTableStart, "xattr id table header");
            var valuesStart = BinaryPrimitives.ReadUInt64LittleEndian(xattrHeader);
            _xattrIdCount = BinaryPrimitives.ReadUInt32LittleEndian(xattrHeader[8..]);
            if (valuesStart < (ulong)_sb.DirectoryTableStart || valuesStart >= (ulong)_sb.XattrIdTableStart)
                throw new SquashFsException($"xattr table position {valuesStart} is outside the image's tables");
            if (_xattrIdCount > 0)
            {
                _xattrIdIndex = ReadIndex(_sb.XattrIdTableStart + 16, (long)_xattrIdCount * 16, (long)valuesStart, _sb.XattrIdTableStart, "xattr id table");
                _xattrIds = new MetadataTable(_reader, (long)valuesStart, _sb.XattrIdTableStart, "xattr id table");
                _xattrValues = new MetadataTable(_reader, (long)valuesStart, _xattrIdIndex[0], "xattr table");
            }
        }
        _inodes = new MetadataTable(_reader, _sb.InodeTableStart, _sb.DirectoryTableStart, "inode table");
        _directories = new MetadataTable(_reader, _sb.DirectoryTableStart, directoriesEnd, "directory table");

        Root = GetInode(_sb.RootInode);
        if (Root.Type != SquashFsEntryType.Directory) throw new SquashFsException("the root inode is not a directory");
    }

    /// <summary>Opens the image at <paramref name="path"/>.</summary>
    /// <exception cref="SquashFsException">Not a SquashFS 4.0 image, or one we cannot read.</exception>
    public static SquashFsImage Open(string path)
    {
        var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        try
        {
            return new SquashFsImage(handle, ownsHandle: true);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Opens an image from an already open handle (positional reads only). With <paramref name="ownsHandle"/>
    /// the image closes the handle when disposed; if opening fails, the handle stays the caller's.
    /// </summary>
    public static SquashFsImage Open(SafeFileHandle handle, bool ownsHandle) => new(handle, ownsHandle);

    /// <summary>The root directory.</summary>
    public SquashFsInode Root { get; }

    /// <summary>Superblock modification time.</summary>
    public uint ModificationTime => _sb.ModificationTime;

    /// <summary>Number of inodes in the image (inode numbers run from 1 to this).</summary>
    public uint InodeCount => _sb.InodeCount;

    /// <summary>Data block size in bytes.</summary>
    public int BlockSize => _sb.BlockSize;

    /// <summary>Bytes of the image file the filesystem uses.</summary>
    public long BytesUsed => _sb.BytesUsed;

    /// <summary>
    /// Resolves a path relative to the root ("a/b/c", leading '/' allowed); null if it does not exist
    /// or passes through a non-directory. Symlinks in the middle of the path are always followed, the
    /// last one only with <paramref name="followSymlinks"/>. Link targets resolve inside the image:
    /// absolute ones from its root, and ".." stops at the root.
    /// </summary>
    /// <exception cref="SquashFsException">More than <see cref="MaxSymlinkHops"/> symlinks, or a corrupt image.</exception>
    public SquashFsInode? Lookup(string path, bool followSymlinks = false)
    {
        ArgumentNullException.ThrowIfNull(path);
        var parents = new List<SquashFsInode>();
        var current = Root;
        var pending = new Stack<string>();
        PushComponents(pending, path);
        var hops = 0;
        while (pending.TryPop(out var name))
        {
            if (name == ".") continue;
            if (name == "..")
            {
                if (parents.Count > 0)
                {
                    current = parents[^1];
                    parents.RemoveAt(parents.Count - 1);
                }
                continue;
            }
            if (current.Type != SquashFsEntryType.Directory) return null;
            var next = Lookup(current, name);
            if (next is null) return null;
            if (next.Type == SquashFsEntryType.Symlink && (pending.Count > 0 || followSymlinks))
            {
                if (++hops > MaxSymlinkHops) throw new SquashFsException($"too many levels of symbolic links resolving '{path}'");
                var target = ReadLink(next);
                if (target.StartsWith('/'))
                {
                    parents.Clear();
                    current = Root;
                }
                PushComponents(pending, target);
                continue;
            }
            parents.Add(current);
            current = next;
        }
        return current;
    }

    private static void PushComponents(Stack<string> pending, string path)
    {
        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        for (var i = parts.Length - 1; i >= 0; i--) pending.Push(parts[i]);
    }

    /// <summary>
    /// mksquashfs writes non-default compressor settings as an uncompressed metadata block behind the
    /// superblock. Decoding needs none of them (zlib's largest window and zstd read every level), so
    /// they are only checked for sanity.
    /// </summary>
    private void CheckCompressorOptions()
    {
        Span<byte> block = stackalloc byte[2 + 8];
        var expected = _sb.Compression == SquashFsCompression.Gzip ? 8 : 4;
        _reader.ReadExactly(block[..(2 + expected)], SquashFsFormat.SuperblockSize, "compressor options");
        if (BinaryPrimitives.ReadUInt16LittleEndian(block) != (SquashFsFormat.MetadataUncompressedBit | expected))
            throw Corrupt($"the compressor options block is not {expected} uncompressed bytes");
        var level = BinaryPrimitives.ReadInt32LittleEndian(block[2..]);
        var valid = _sb.Compression == SquashFsCompression.Gzip
            ? level is >= 1 and <= 9 && BinaryPrimitives.ReadUInt16LittleEndian(block[6..]) is >= 8 and <= 15
            : level is >= 1 and <= 22;
        if (!valid) throw Corrupt($"invalid {_sb.Compression.ToString().ToLowerInvariant()} compressor options");
    }

    private uint[] ReadIds(out long firstBlock)
    {
        var index = ReadIndex(_sb.IdTableStart, _sb.IdCount * 4L, _sb.DirectoryTableStart, _sb.IdTableStart, "id table");
        var table = new MetadataTable(_reader, _sb.DirectoryTableStart, _sb.IdTableStart, "id table");
        var ids = new uint[_sb.IdCount];
        for (var i = 0; i < ids.Length; i++)
        {
            var position = i * 4L;
            if (position % SquashFsFormat.MetadataBlockSize == 0)
            {
                var c = new MetadataCursor(index[position / SquashFsFormat.MetadataBlockSize], 0);
                var raw = new byte[Math.Min(SquashFsFormat.MetadataBlockSize, (ids.Length - i) * 4)];
                table.Read(ref c, raw);
                for (var j = 0; j < raw.Length / 4; j++) ids[i + j] = BinaryPrimitives.ReadUInt32LittleEndian(raw.AsSpan(j * 4));
            }
        }
        firstBlock = index[0];
        return ids;
    }

    /// <summary>
    /// Reads the array of metadata block positions that locates a table of <paramref name="bytes"/>
    /// bytes; every position must lie in [<paramref name="blocksStart"/>, <paramref name="blocksEnd"/>).
    /// </summary>
    private long[] ReadIndex(long at, long bytes, long blocksStart, long blocksEnd, string what)
    {
        var count = (bytes + SquashFsFormat.MetadataBlockSize - 1) / SquashFsFormat.MetadataBlockSize;
        if (count * 8 > _sb.BytesUsed - at) throw Corrupt($"the {what} index of {count} blocks does not fit in the image");
        var raw = new byte[count * 8];
        _reader.ReadExactly(raw, at, what + " index");
        var index = new long[count];
        for (var i = 0; i < count; i++)
        {
            var position = BinaryPrimitives.ReadUInt64LittleEndian(raw.AsSpan(i * 8));
            if (position < (ulong)blocksStart || position >= (ulong)blocksEnd || (i > 0 && (long)position <= index[i - 1]))
                throw Corrupt($"{what} block {i} at {position} is outside [{blocksStart}, {blocksEnd})");
            index[i] = (long)position;
        }
        return index;
    }

    private uint Id(ushort index)
        => index < _ids.Length ? _ids[index] : throw Corrupt($"id index {index} is outside the id table of {_ids.Length}");

    private static SquashFsEntryType EntryType(ushort type, string what) => type switch
    {
        1 or 8 => SquashFsEntryType.Directory,
        2 or 9 => SquashFsEntryType.File,
        3 or 10 => SquashFsEntryType.Symlink,
        4 or 11 => SquashFsEntryType.BlockDevice,
        5 or 12 => SquashFsEntryType.CharDevice,
        6 or 13 => SquashFsEntryType.Fifo,
        7 or 14 => SquashFsEntryType.Socket,
        _ => throw Corrupt($"{what} has unknown type {type}"),
    };

    private static DirectoryLayout DirectoryOf(SquashFsInode inode)
        => inode.Layout as DirectoryLayout ?? throw new SquashFsException($"inode {inode.InodeNumber} is not a directory");

    private static SquashFsException Corrupt(string message) => new("corrupt image: " + message);

    public void Dispose()
    {
        if (_ownsHandle) _handle.Dispose();
    }
}
