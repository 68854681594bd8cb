using Distri.Linux;

namespace Distri.SquashFs;

/// <summary>One entry of a directory listing.</summary>
public readonly record struct SquashFsDirectoryEntry(string Name, SquashFsEntryType Type, uint InodeNumber, long InodeReference);

/// <summary>
/// One directory entry with its name exactly as stored: Linux names are bytes, and a name that is
/// not UTF-8 only survives this way (<see cref="SquashFsDirectoryEntry.Name"/> replaces what does not decode).
/// </summary>
/// <param name="Name">The name's bytes (1 to 256, never '/' or NUL); a fresh array the caller owns.</param>
public readonly record struct SquashFsRawDirectoryEntry(byte[] Name, SquashFsEntryType Type, uint InodeNumber, long InodeReference);

/// <summary>A decoded inode: type, permissions, ownership, times, size and where its data lives.</summary>
public sealed class SquashFsInode
{
    public required SquashFsEntryType Type { get; init; }
    /// <summary>Permission bits including setuid/setgid/sticky (no file-type bits).</summary>
    public required ushort Permissions { get; init; }
    /// <summary>st_mode: file-type bits | permissions.</summary>
    public uint Mode => FileTypeBits(Type) | Permissions;

    /// <summary>The st_mode file-type bits (S_IFDIR, S_IFREG, …) of an entry type.</summary>
    public static uint FileTypeBits(SquashFsEntryType type) => type switch
    {
        SquashFsEntryType.Directory => LibC.S_IFDIR,
        SquashFsEntryType.File => LibC.S_IFREG,
        SquashFsEntryType.Symlink => LibC.S_IFLNK,
        SquashFsEntryType.BlockDevice => LibC.S_IFBLK,
        SquashFsEntryType.CharDevice => LibC.S_IFCHR,
        SquashFsEntryType.Fifo => LibC.S_IFIFO,
        SquashFsEntryType.Socket => LibC.S_IFSOCK,
        _ => 0,
    };

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
