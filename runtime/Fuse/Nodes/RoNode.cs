using Distri.Fuse.Native;
using Distri.Fuse.Store;

namespace Distri.Fuse.Nodes;

/// <summary>
/// A node of /ro as the kernel knows it, by id. Two families answer the operations: an
/// <see cref="ImageNode"/> is an inode of a package image (immutable, so the kernel may cache it
/// for a day), a <see cref="SyntheticNode"/> is made up by the daemon (the root, exchange and extra
/// directories, exchange links) and may change on a rescan. <see cref="RoFileSystem"/> finds the
/// node behind an id and lets it answer; each operation replies exactly once, as its last action.
/// </summary>
internal abstract class RoNode(ulong id)
{
    /// <summary>Seconds the kernel may keep what an image shows: an image never changes under its node ids.</summary>
    public const double ImmutableTimeout = 86400;

    /// <summary>Seconds the kernel may keep what a rescan can change (and invalidates when it does).</summary>
    public const double ChangingTimeout = 1;

    public ulong Id { get; } = id;

    /// <summary>Looks up <paramref name="name"/>, the kernel's bytes (they need not be UTF-8), in this node.</summary>
    public abstract void Lookup(FuseRequest request, StoreSnapshot snapshot, ReadOnlySpan<byte> name);

    public abstract void GetAttr(FuseRequest request, StoreSnapshot snapshot);

    public abstract void ReadLink(FuseRequest request, StoreSnapshot snapshot);

    /// <summary>Answers an open for reading (opens for writing were refused before).</summary>
    public abstract void Open(FuseRequest request);

    public abstract void Read(FuseRequest request, int size, long offset);

    /// <summary>A handle that walks this directory's entries, or null and the errno to answer.</summary>
    public abstract DirectoryStream? OpenDirectory(StoreSnapshot snapshot, out int errno);

    /// <summary>The value of the extended attribute <paramref name="name"/>, or null when there is none.</summary>
    public abstract byte[]? GetXattr(string name);

    /// <summary>The extended attribute names, NUL-terminated one after the other.</summary>
    public abstract byte[] ListXattrNames();
}
