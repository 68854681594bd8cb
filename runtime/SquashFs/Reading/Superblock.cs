using System.Buffers.Binary;
using Distri.SquashFs.Format;

namespace Distri.SquashFs;

/// <summary>The 96-byte SquashFS 4.0 superblock, parsed and checked against the image length.</summary>
internal sealed class Superblock
{
    public required uint InodeCount { get; init; }
    public required uint ModificationTime { get; init; }
    public required int BlockSize { get; init; }
    public required uint FragmentCount { get; init; }
    public required SquashFsCompression Compression { get; init; }
    public required SquashFsFlags Flags { get; init; }
    public required ushort IdCount { get; init; }
    public required long RootInode { get; init; }
    public required long BytesUsed { get; init; }
    public required long IdTableStart { get; init; }
    public required long XattrIdTableStart { get; init; }
    public required long InodeTableStart { get; init; }
    public required long DirectoryTableStart { get; init; }
    public required long FragmentTableStart { get; init; }

    public static Superblock Parse(ReadOnlySpan<byte> b, long imageLength)
    {
        if (b.Length < SquashFsFormat.SuperblockSize)
            throw new SquashFsException($"image is {imageLength} bytes, too short for a SquashFS superblock");
        if (BinaryPrimitives.ReadUInt32LittleEndian(b) != SquashFsFormat.Magic)
            throw new SquashFsException("not a SquashFS image (bad magic)");
        var major = BinaryPrimitives.ReadUInt16LittleEndian(b[28..]);
        var minor = BinaryPrimitives.ReadUInt16LittleEndian(b[30..]);
        if (major != SquashFsFormat.MajorVersion || minor != SquashFsFormat.MinorVersion)
            throw new SquashFsException($"SquashFS version {major}.{minor} is not supported (only 4.0)");

        var compression = (SquashFsCompression)BinaryPrimitives.ReadUInt16LittleEndian(b[20..]);
        if (compression is not (SquashFsCompression.Gzip or SquashFsCompression.Zstd))
        {
            var name = compression switch
            {
                SquashFsCompression.Lzma => "lzma",
                SquashFsCompression.Lzo => "lzo",
                SquashFsCompression.Xz => "xz",
                SquashFsCompression.Lz4 => "lz4",
                _ => $"unknown compressor id {(ushort)compression}",
            };
            throw new SquashFsException($"compressor {name} is not supported (only gzip and zstd)");
        }

        var blockSize = BinaryPrimitives.ReadUInt32LittleEndian(b[12..]);
        var blockLog = BinaryPrimitives.ReadUInt16LittleEndian(b[22..]);
        if (blockSize < SquashFsFormat.MinBlockSize || blockSize > SquashFsFormat.MaxBlockSize
            || !uint.IsPow2(blockSize) || 1u << blockLog != blockSize)
            throw new SquashFsException($"invalid block size {blockSize} (log {blockLog})");

        var sb = new Superblock
        {
            InodeCount = BinaryPrimitives.ReadUInt32LittleEndian(b[4..]),
            ModificationTime = BinaryPrimitives.ReadUInt32LittleEndian(b[8..]),
            BlockSize = (int)blockSize,
            FragmentCount = BinaryPrimitives.ReadUInt32LittleEndian(b[16..]),
            Compression = compression,
            Flags = (SquashFsFlags)BinaryPrimitives.ReadUInt16LittleEndian(b[24..]),
            IdCount = BinaryPrimitives.ReadUInt16LittleEndian(b[26..]),
            RootInode = Position(b[32..], "root inode"),
            BytesUsed = Position(b[40..], "bytes used"),
            IdTableStart = Position(b[48..], "id table"),
            XattrIdTableStart = OptionalPosition(b[56..], "xattr table"),
            InodeTableStart = Position(b[64..], "inode table"),
            DirectoryTableStart = Position(b[72..], "directory table"),
            FragmentTableStart = OptionalPosition(b[80..], "fragment table"),
        };

        if (sb.BytesUsed > imageLength)
            throw new SquashFsException($"image is truncated: the superblock says {sb.BytesUsed} bytes, the file has {imageLength}");
        if (sb.BytesUsed < SquashFsFormat.SuperblockSize)
            throw new SquashFsException($"invalid bytes used {sb.BytesUsed}");
        // Every table lies behind the superblock and inside bytes_used, inode table first.
        if (sb.InodeTableStart < SquashFsFormat.SuperblockSize || sb.InodeTableStart >= sb.DirectoryTableStart
            || sb.DirectoryTableStart >= sb.BytesUsed)
            throw new SquashFsException("inode and directory table positions are out of order or outside the image");
        CheckTable(sb.IdTableStart, sb, "id table");
        if (sb.XattrIdTableStart >= 0) CheckTable(sb.XattrIdTableStart, sb, "xattr table");
        if (sb.FragmentTableStart >= 0) CheckTable(sb.FragmentTableStart, sb, "fragment table");
        if (sb.InodeCount == 0) throw new SquashFsException("the image has no inodes");
        if (sb.IdCount == 0) throw new SquashFsException("the image has an empty id table");
        return sb;
    }

    private static void CheckTable(long start, Superblock sb, string what)
    {
        if (start < sb.DirectoryTableStart || start >= sb.BytesUsed)
            throw new SquashFsException($"{what} position {start} is outside the image's tables");
    }

    private static long Position(ReadOnlySpan<byte> b, string what)
    {
        var value = BinaryPrimitives.ReadUInt64LittleEndian(b);
        if (value > long.MaxValue) throw new SquashFsException($"invalid {what} position {value:x}");
        return (long)value;
    }

    private static long OptionalPosition(ReadOnlySpan<byte> b, string what)
        => BinaryPrimitives.ReadUInt64LittleEndian(b) == SquashFsFormat.InvalidTable ? -1 : Position(b, what);
}
