using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
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
public sealed class SquashFsImage : IDisposable
{
    /// <summary>Symlinks followed while resolving one path, as Linux's MAXSYMLINKS.</summary>
    public const int MaxSymlinkHops = 40;
    private const int MaxSymlinkSize = 65535;
    private const int MaxXattrValueSize = 65536;
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
        try
        {
            length = RandomAccess.GetLength(handle);
        }
        catch (IOException e)
        {
            throw new SquashFsException($"cannot read the image: {e.Message}", e);
        }
        var header = new byte[SquashFsFormat.SuperblockSize];
        var n = length < header.Length ? 0 : RandomAccess.Read(handle, header, 0);
        _sb = Superblock.Parse(header.AsSpan(0, n), length);
        _reader = new MetadataReader(handle, _sb.Compression, _sb.BytesUsed);

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

    /// <summary>Opens an image from an already open handle (positional reads only).</summary>
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

    /// <summary>Looks up one name in a directory; null if absent. Uses the directory index of big directories.</summary>
    public SquashFsInode? Lookup(SquashFsInode directory, string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length > SquashFsFormat.MaxNameLength) return Lookup(directory, ReadOnlySpan<byte>.Empty);
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

    private IEnumerable<SquashFsDirectoryEntry> Enumerate(SquashFsInode directory, DirectoryLayout layout)
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
                yield return new SquashFsDirectoryEntry(
                    DecodeName(name.AsSpan(0, nameLength)),
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

    /// <summary>Reads the inode a directory entry points at.</summary>
    public SquashFsInode GetInode(SquashFsDirectoryEntry entry)
    {
        var inode = GetInode(entry.InodeReference);
        if (inode.Type != entry.Type)
            throw Corrupt($"directory entry '{entry.Name}' says {entry.Type} but its inode is {inode.Type}");
        return inode;
    }

    /// <summary>Reads the inode at <paramref name="inodeReference"/> ((block &lt;&lt; 16) | offset in the inode table).</summary>
    public SquashFsInode GetInode(long inodeReference)
    {
        var c = _inodes.At(inodeReference);
        Span<byte> h = stackalloc byte[16];
        _inodes.Read(ref c, h);
        var rawType = BinaryPrimitives.ReadUInt16LittleEndian(h);
        var type = EntryType(rawType, "inode");
        var extended = rawType >= (ushort)SquashFsInodeType.ExtendedDirectory;
        var permissions = (ushort)(BinaryPrimitives.ReadUInt16LittleEndian(h[2..]) & 0xFFF);
        var uid = Id(BinaryPrimitives.ReadUInt16LittleEndian(h[4..]));
        var gid = Id(BinaryPrimitives.ReadUInt16LittleEndian(h[6..]));
        var mtime = BinaryPrimitives.ReadUInt32LittleEndian(h[8..]);
        var number = BinaryPrimitives.ReadUInt32LittleEndian(h[12..]);
        if (number == 0 || number > _sb.InodeCount) throw Corrupt($"inode number {number} is outside 1..{_sb.InodeCount}");

        uint linkCount;
        long size;
        uint device = 0;
        uint xattr = uint.MaxValue;
        object? layout = null;
        switch ((SquashFsInodeType)rawType)
        {
            case SquashFsInodeType.Directory:
            {
                var startBlock = _inodes.ReadUInt32(ref c);
                linkCount = _inodes.ReadUInt32(ref c);
                size = _inodes.ReadUInt16(ref c);
                var offset = _inodes.ReadUInt16(ref c);
                _inodes.ReadUInt32(ref c); // parent inode number
                layout = NewDirectoryLayout(startBlock, offset, size, 0, default, number);
                break;
            }
            case SquashFsInodeType.ExtendedDirectory:
            {
                linkCount = _inodes.ReadUInt32(ref c);
                size = _inodes.ReadUInt32(ref c);
                var startBlock = _inodes.ReadUInt32(ref c);
                _inodes.ReadUInt32(ref c); // parent inode number
                var indexCount = _inodes.ReadUInt16(ref c);
                var offset = _inodes.ReadUInt16(ref c);
                xattr = _inodes.ReadUInt32(ref c);
                layout = NewDirectoryLayout(startBlock, offset, size, indexCount, c, number);
                break;
            }
            case SquashFsInodeType.File:
            {
                var blocksStart = _inodes.ReadUInt32(ref c);
                var fragment = _inodes.ReadUInt32(ref c);
                var fragmentOffset = _inodes.ReadUInt32(ref c);
                size = _inodes.ReadUInt32(ref c);
                linkCount = 1;
                layout = NewFileLayout(blocksStart, size, fragment, fragmentOffset, c, number);
                break;
            }
            case SquashFsInodeType.ExtendedFile:
            {
                var blocksStart = _inodes.ReadUInt64(ref c);
                var fileSize = _inodes.ReadUInt64(ref c);
                _inodes.ReadUInt64(ref c); // bytes saved by sparse blocks
                linkCount = _inodes.ReadUInt32(ref c);
                var fragment = _inodes.ReadUInt32(ref c);
                var fragmentOffset = _inodes.ReadUInt32(ref c);
                xattr = _inodes.ReadUInt32(ref c);
                if (fileSize > long.MaxValue / 2 || blocksStart > long.MaxValue / 2) throw Corrupt($"file inode {number} has size {fileSize} at {blocksStart}");
                size = (long)fileSize;
                layout = NewFileLayout((long)blocksStart, size, fragment, fragmentOffset, c, number);
                break;
            }
            case SquashFsInodeType.Symlink:
            case SquashFsInodeType.ExtendedSymlink:
            {
                linkCount = _inodes.ReadUInt32(ref c);
                size = _inodes.ReadUInt32(ref c);
                if (size > MaxSymlinkSize) throw Corrupt($"symlink inode {number} claims a {size}-byte target");
                var target = new byte[size];
                _inodes.Read(ref c, target);
                if (target.AsSpan().IndexOf((byte)0) >= 0) throw Corrupt($"symlink inode {number} has a NUL in its target");
                layout = target;
                if (extended) xattr = _inodes.ReadUInt32(ref c);
                break;
            }
            case SquashFsInodeType.BlockDevice or SquashFsInodeType.CharDevice
                or SquashFsInodeType.ExtendedBlockDevice or SquashFsInodeType.ExtendedCharDevice:
                linkCount = _inodes.ReadUInt32(ref c);
                device = _inodes.ReadUInt32(ref c);
                size = 0;
                if (extended) xattr = _inodes.ReadUInt32(ref c);
                break;
            default: // fifos and sockets
                linkCount = _inodes.ReadUInt32(ref c);
                size = 0;
                if (extended) xattr = _inodes.ReadUInt32(ref c);
                break;
        }
        return new SquashFsInode
        {
            Type = type,
            Permissions = permissions,
            InodeNumber = number,
            InodeReference = inodeReference,
            Uid = uid,
            Gid = gid,
            ModificationTime = mtime,
            LinkCount = linkCount,
            Size = size,
            DeviceNumber = device,
            XattrIndex = xattr == uint.MaxValue ? null : xattr,
            Layout = layout,
        };
    }

    private DirectoryLayout NewDirectoryLayout(uint startBlock, int offset, long size, int indexCount, MetadataCursor index, uint number)
    {
        // The stored size counts 3 bytes for "." and ".." that the listing does not hold.
        if (size < 3) throw Corrupt($"directory inode {number} has size {size}");
        if (startBlock >= _directories.End - _directories.Start || offset >= SquashFsFormat.MetadataBlockSize)
            throw Corrupt($"directory inode {number} points outside the directory table");
        return new DirectoryLayout { StartBlock = startBlock, Offset = offset, ListingSize = size - 3, IndexCount = indexCount, Index = index.Detached };
    }

    private FileLayout NewFileLayout(long blocksStart, long size, uint fragment, uint fragmentOffset, MetadataCursor blockList, uint number)
    {
        var blockSize = _sb.BlockSize;
        var hasFragment = fragment != SquashFsFormat.InvalidFragment;
        var blockCount = hasFragment ? size / blockSize : (size + blockSize - 1) / blockSize;
        if (hasFragment)
        {
            if (fragment >= _sb.FragmentCount) throw Corrupt($"file inode {number} uses fragment {fragment} of {_sb.FragmentCount}");
            if (fragmentOffset >= blockSize || size % blockSize == 0) throw Corrupt($"file inode {number} has an invalid fragment offset {fragmentOffset}");
        }
        // The block list is 4 bytes per block in the inode table; a table can decompress to at
        // most ~2730 times its stored size, so a longer list is a lie about the size.
        var maxBlocks = (_inodes.End - _inodes.Start) / 3 * SquashFsFormat.MetadataBlockSize / 4 + 1;
        if (blockCount > maxBlocks || blockCount > int.MaxValue / 8)
            throw Corrupt($"file inode {number} of {size} bytes needs more blocks than the inode table can list");
        return new FileLayout
        {
            BlocksStart = blocksStart,
            BlockCount = (int)blockCount,
            Fragment = fragment,
            FragmentOffset = (int)fragmentOffset,
            BlockList = blockList.Detached,
        };
    }

    /// <summary>The target of a symlink.</summary>
    public string ReadLink(SquashFsInode symlink)
    {
        if (symlink.Type != SquashFsEntryType.Symlink || symlink.Layout is not byte[] target)
            throw new SquashFsException($"inode {symlink.InodeNumber} is not a symlink");
        return Encoding.UTF8.GetString(target);
    }

    /// <summary>All extended attributes with their full names ("security.capability"), in stored order.</summary>
    public IReadOnlyList<KeyValuePair<string, byte[]>> GetXattrs(SquashFsInode inode)
    {
        if (inode.XattrIndex is not uint index) return [];
        if (index >= _xattrIdCount || _xattrIds is null || _xattrValues is null)
            throw Corrupt($"inode {inode.InodeNumber} uses xattr set {index} of {_xattrIdCount}");
        var position = (long)index * 16;
        var c = new MetadataCursor(_xattrIdIndex[position / SquashFsFormat.MetadataBlockSize], (int)(position % SquashFsFormat.MetadataBlockSize));
        var reference = _xattrIds.ReadUInt64(ref c);
        var count = _xattrIds.ReadUInt32(ref c);
        _xattrIds.ReadUInt32(ref c); // total size
        if (reference > long.MaxValue) throw Corrupt($"xattr set {index} has reference {reference:x}");
        // Each pair takes at least 8 bytes; a count beyond what the table holds is a lie.
        if (count > (_xattrValues.End - _xattrValues.Start) / 3 * SquashFsFormat.MetadataBlockSize / 8)
            throw Corrupt($"xattr set {index} claims {count} attributes");

        var pairs = new List<KeyValuePair<string, byte[]>>((int)Math.Min(count, 64));
        var kv = _xattrValues.At((long)reference);
        Span<byte> name = stackalloc byte[XattrNameMax];
        for (var i = 0; i < count; i++)
        {
            var type = _xattrValues.ReadUInt16(ref kv);
            var nameSize = _xattrValues.ReadUInt16(ref kv);
            var prefix = (type & 0xFF) switch
            {
                0 => "user.",
                1 => "trusted.",
                2 => "security.",
                _ => throw Corrupt($"xattr set {index} has unknown name prefix {type & 0xFF}"),
            };
            if ((type & ~0x1FF) != 0) throw Corrupt($"xattr set {index} has invalid type {type:x}");
            if (nameSize > XattrNameMax) throw Corrupt($"xattr set {index} has a name of {nameSize} bytes");
            _xattrValues.Read(ref kv, name[..nameSize]);
            var fullName = prefix + Encoding.UTF8.GetString(name[..nameSize]);
            var valueSize = _xattrValues.ReadUInt32(ref kv);
            byte[] value;
            if ((type & (ushort)SquashFsXattrPrefix.OutOfLineFlag) != 0)
            {
                // The value is a reference to a value stored once elsewhere in the table.
                if (valueSize != 8) throw Corrupt($"xattr '{fullName}' has an out-of-line reference of {valueSize} bytes");
                var valueReference = _xattrValues.ReadUInt64(ref kv);
                if (valueReference > long.MaxValue) throw Corrupt($"xattr '{fullName}' has reference {valueReference:x}");
                var vc = _xattrValues.At((long)valueReference);
                value = ReadXattrValue(ref vc, _xattrValues.ReadUInt32(ref vc), fullName);
            }
            else
            {
                value = ReadXattrValue(ref kv, valueSize, fullName);
            }
            pairs.Add(new(fullName, value));
        }
        return pairs;
    }

    private byte[] ReadXattrValue(ref MetadataCursor cursor, uint size, string name)
    {
        if (size > MaxXattrValueSize) throw Corrupt($"xattr '{name}' claims a {size}-byte value");
        var value = new byte[size];
        _xattrValues!.Read(ref cursor, value);
        return value;
    }

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

/// <summary>One entry of a directory listing.</summary>
public readonly record struct SquashFsDirectoryEntry(string Name, SquashFsEntryType Type, uint InodeNumber, long InodeReference);

/// <summary>A decoded inode: type, permissions, ownership, times, size and where its data lives.</summary>
public sealed class SquashFsInode
{
    public required SquashFsEntryType Type { get; init; }
    /// <summary>Permission bits including setuid/setgid/sticky (no file-type bits).</summary>
    public required ushort Permissions { get; init; }
    /// <summary>st_mode: file-type bits | permissions.</summary>
    public uint Mode => (uint)(Type switch
    {
        SquashFsEntryType.Directory => 0x4000,
        SquashFsEntryType.File => 0x8000,
        SquashFsEntryType.Symlink => 0xA000,
        SquashFsEntryType.BlockDevice => 0x6000,
        SquashFsEntryType.CharDevice => 0x2000,
        SquashFsEntryType.Fifo => 0x1000,
        SquashFsEntryType.Socket => 0xC000,
        _ => 0,
    }) | Permissions;
    public required uint InodeNumber { get; init; }
    /// <summary>Where the inode is stored: (metadata block offset &lt;&lt; 16) | offset in block.</summary>
    public required long InodeReference { get; init; }
    public required uint Uid { get; init; }
    public required uint Gid { get; init; }
    public required uint ModificationTime { get; init; }
    public required uint LinkCount { get; init; }
    /// <summary>File size, symlink target length, or directory size as the kernel reports it (listing bytes + 3).</summary>
    public required long Size { get; init; }
    /// <summary>Device number for block and char devices.</summary>
    public uint DeviceNumber { get; init; }
    /// <summary>Index into the xattr id table, or null when the inode has none.</summary>
    public uint? XattrIndex { get; init; }
    /// <summary>Reader-private decoding state (block list, fragment, directory position).</summary>
    internal object? Layout { get; init; }
}
