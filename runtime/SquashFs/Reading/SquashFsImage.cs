using Microsoft.Win32.SafeHandles;

namespace Distri.SquashFs;

/// <summary>
/// A read-only SquashFS image: lookups, directory listings, link targets, xattrs and positional
/// reads of file data. Thread-safe for concurrent readers. (Stub: the reader issue fills this in.)
/// </summary>
public sealed class SquashFsImage : IDisposable
{
    private SquashFsImage() { }

    /// <summary>Opens the image at <paramref name="path"/>.</summary>
    /// <exception cref="SquashFsException">Not a SquashFS 4.0 image, or one we cannot read.</exception>
    public static SquashFsImage Open(string path) => throw new NotImplementedException();

    /// <summary>Opens an image from an already open handle (positional reads only).</summary>
    public static SquashFsImage Open(SafeFileHandle handle, bool ownsHandle) => throw new NotImplementedException();

    /// <summary>The root directory.</summary>
    public SquashFsInode Root => throw new NotImplementedException();

    /// <summary>Superblock modification time.</summary>
    public uint ModificationTime => throw new NotImplementedException();

    /// <summary>Number of inodes in the image (inode numbers run from 1 to this).</summary>
    public uint InodeCount => throw new NotImplementedException();

    /// <summary>Resolves a path relative to the root ("a/b/c", leading '/' allowed); null if it does not exist.</summary>
    public SquashFsInode? Lookup(string path, bool followSymlinks = false) => throw new NotImplementedException();

    /// <summary>Looks up one name in a directory; null if absent.</summary>
    public SquashFsInode? Lookup(SquashFsInode directory, string name) => throw new NotImplementedException();

    /// <summary>Lists a directory in on-disk (sorted) order, without "." and "..".</summary>
    public IEnumerable<SquashFsDirectoryEntry> ReadDirectory(SquashFsInode directory) => throw new NotImplementedException();

    /// <summary>Reads the inode a directory entry points at.</summary>
    public SquashFsInode GetInode(SquashFsDirectoryEntry entry) => throw new NotImplementedException();

    /// <summary>The target of a symlink.</summary>
    public string ReadLink(SquashFsInode symlink) => throw new NotImplementedException();

    /// <summary>All extended attributes with their full names ("security.capability").</summary>
    public IReadOnlyList<KeyValuePair<string, byte[]>> GetXattrs(SquashFsInode inode) => throw new NotImplementedException();

    /// <summary>Reads file data at <paramref name="offset"/>; returns the bytes read (0 at or past the end).</summary>
    public int Read(SquashFsInode file, long offset, Span<byte> buffer) => throw new NotImplementedException();

    public void Dispose() { }
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
    /// <summary>File size, symlink target length, or directory listing size.</summary>
    public required long Size { get; init; }
    /// <summary>Device number for block and char devices.</summary>
    public uint DeviceNumber { get; init; }
    /// <summary>Index into the xattr id table, or null when the inode has none.</summary>
    public uint? XattrIndex { get; init; }
    /// <summary>Reader-private decoding state (block list, fragment, directory position).</summary>
    internal object? Layout { get; init; }
}
