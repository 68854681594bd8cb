using System.Buffers.Binary;
using System.Text;
using Distri.SquashFs.Format;

namespace Distri.SquashFs;

/// <summary>Inodes: decoding every basic and extended type, with checks on what they point at.</summary>
public sealed partial class SquashFsImage
{
    /// <summary>Reads the inode a directory entry points at.</summary>
    public SquashFsInode GetInode(SquashFsDirectoryEntry entry)
    {
        var inode = GetInode(entry.InodeReference);
        if (inode.Type != entry.Type)
            throw Corrupt($"directory entry '{entry.Name}' says {entry.Type} but its inode is {inode.Type}");
        return inode;
    }

    /// <summary>Reads the inode a raw directory entry points at.</summary>
    public SquashFsInode GetInode(SquashFsRawDirectoryEntry entry)
    {
        var inode = GetInode(entry.InodeReference);
        if (inode.Type != entry.Type)
            throw Corrupt($"directory entry '{Encoding.UTF8.GetString(entry.Name)}' says {entry.Type} but its inode is {inode.Type}");
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

    /// <summary>The target of a symlink as stored (Linux targets are bytes; <see cref="ReadLink"/> decodes them as UTF-8).</summary>
    public ReadOnlyMemory<byte> ReadLinkBytes(SquashFsInode symlink)
    {
        if (symlink.Type != SquashFsEntryType.Symlink || symlink.Layout is not byte[] target)
            throw new SquashFsException($"inode {symlink.InodeNumber} is not a symlink");
        return target;
    }
}
