namespace Distri.SquashFs.Format;

/// <summary>
/// Constants of the SquashFS 4.0 on-disk format (little-endian), shared by the writer and the
/// reader. Layouts follow the kernel's fs/squashfs/squashfs_fs.h.
/// </summary>
public static class SquashFsFormat
{
    public const uint Magic = 0x73717368; // "hsqs"
    public const ushort MajorVersion = 4;
    public const ushort MinorVersion = 0;
    public const int SuperblockSize = 96;

    /// <summary>Metadata blocks hold at most 8 KiB of payload behind a 2-byte header.</summary>
    public const int MetadataBlockSize = 8192;
    /// <summary>Bit 15 of a metadata block header: the block is stored uncompressed.</summary>
    public const ushort MetadataUncompressedBit = 0x8000;
    /// <summary>Bit 24 of a data block size: the block is stored uncompressed.</summary>
    public const uint DataUncompressedBit = 1u << 24;

    public const int DefaultBlockSize = 128 * 1024;
    public const int MinBlockSize = 4 * 1024;
    public const int MaxBlockSize = 1024 * 1024;

    public const uint InvalidFragment = 0xFFFFFFFF;
    public const ulong InvalidTable = 0xFFFFFFFFFFFFFFFF;

    /// <summary>Directory headers cover at most 256 entries and one 64 KiB inode-number window.</summary>
    public const int MaxDirectoryRun = 256;
    /// <summary>Longest name the format stores (its size field is name length - 1 in a byte... the kernel caps at 256).</summary>
    public const int MaxNameLength = 256;
}

/// <summary>Compressor ids of the superblock.</summary>
public enum SquashFsCompression : ushort
{
    Gzip = 1,
    Lzma = 2,
    Lzo = 3,
    Xz = 4,
    Lz4 = 5,
    Zstd = 6,
}

/// <summary>Superblock flags.</summary>
[Flags]
public enum SquashFsFlags : ushort
{
    None = 0,
    UncompressedInodes = 0x0001,
    UncompressedData = 0x0002,
    Check = 0x0004,
    UncompressedFragments = 0x0008,
    NoFragments = 0x0010,
    AlwaysFragments = 0x0020,
    Duplicates = 0x0040,
    Exportable = 0x0080,
    UncompressedXattrs = 0x0100,
    NoXattrs = 0x0200,
    CompressorOptions = 0x0400,
    UncompressedIds = 0x0800,
}

/// <summary>Inode types; the extended variants are basic + 7.</summary>
public enum SquashFsInodeType : ushort
{
    Directory = 1,
    File = 2,
    Symlink = 3,
    BlockDevice = 4,
    CharDevice = 5,
    Fifo = 6,
    Socket = 7,
    ExtendedDirectory = 8,
    ExtendedFile = 9,
    ExtendedSymlink = 10,
    ExtendedBlockDevice = 11,
    ExtendedCharDevice = 12,
    ExtendedFifo = 13,
    ExtendedSocket = 14,
}

/// <summary>Xattr name prefixes as stored in the xattr table (the type's low bits).</summary>
public enum SquashFsXattrPrefix : ushort
{
    User = 0,
    Trusted = 1,
    Security = 2,
    /// <summary>Set on the type when the value is stored out of line (a reference).</summary>
    OutOfLineFlag = 0x100,
}
