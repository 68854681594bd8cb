using System.Text;
using Distri.Fuse.Native;
using Distri.Fuse.Nodes;
using Distri.Fuse.Store;
using Distri.SquashFs;
using Distri.SquashFs.Format;

namespace Distri.Fuse;

/// <summary>
/// The /ro tree over a store, as libfuse's low-level operations: each request finds the node
/// behind its id (<see cref="Resolve"/>) and lets it answer, an <see cref="ImageNode"/> or a
/// <see cref="SyntheticNode"/>. Here is what concerns every node: the live snapshot and rescans
/// (which invalidate what the kernel cached from the previous snapshot), open directory handles,
/// the lookup counts the kernel gives back, statfs and failures.
/// </summary>
internal sealed class RoFileSystem : LowLevelFileSystem
{
    private readonly StoreScanner _scanner;
    private readonly Action<string> _log;
    private readonly SyntheticNodes _synthetic;
    private readonly DirectoryStreams _walks = new();
    private readonly Lock _rescanLock = new();
    private bool _zeroMessageOpenDir;
    private StoreSnapshot _snapshot;

    public RoFileSystem(StoreScanner scanner, IEnumerable<string> extraDirectories, Action<string> log)
    {
        _scanner = scanner;
        _synthetic = new SyntheticNodes(extraDirectories);
        _log = log;
        _snapshot = scanner.Scan();
    }

    /// <summary>Set once mounted, for kernel cache invalidation on rescans.</summary>
    public FuseSession? Session { get; set; }

    public StoreSnapshot Snapshot => Volatile.Read(ref _snapshot);

    /// <summary>
    /// Re-reads the store and makes the new state live: once this returns, lookups see it (the
    /// kernel's cached dentries from the previous state have been invalidated).
    /// </summary>
    public long Rescan()
    {
        lock (_rescanLock)
        {
            var old = Snapshot;
            var next = _scanner.Scan();
            Volatile.Write(ref _snapshot, next);
            _scanner.RetireLeft();
            var session = Session;
            if (session is null) return next.Generation;
            // A package whose file was removed or replaced: its root entry leads elsewhere now.
            foreach (var (name, package) in old.Packages)
            {
                if (!next.Packages.TryGetValue(name, out var now) || now != package) session.InvalidateEntry(SyntheticNodes.RootId, name);
            }
            foreach (var (parent, name) in old.HandedOut.Keys)
                session.InvalidateEntry(parent, Encoding.Latin1.GetBytes(name));
            // The kernel keeps directory listings (zero-message opendir): drop those a rescan may
            // change, the synthetic directories' and those of directories plugins were or are joined into.
            foreach (var directory in _synthetic.DirectoryIds) session.InvalidateInode(directory);
            foreach (var host in old.JoinHosts.Union(next.AllJoins.Select(j => j.Key))) session.InvalidateInode(host);
            // Joined directories may have cached negative entries from before a plugin arrived.
            foreach (var (hostDirectory, joined) in next.AllJoins)
            {
                foreach (var join in joined)
                {
                    if (join.Plugin.Image is not { } image) continue;
                    try
                    {
                        foreach (var entry in image.ReadDirectoryRaw(join.Directory))
                            session.InvalidateEntry(hostDirectory, entry.Name);
                    }
                    catch (SquashFsException e)
                    {
                        join.Plugin.MarkBroken(e);
                    }
                }
            }
            return next.Generation;
        }
    }

    /// <summary>
    /// Readdirplus on every directory, not only on the first listing the kernel reads (its "auto"
    /// mode): attributes cost a decoded inode here, a lookup round trip per name in the kernel.
    /// And directories opened without a round trip, where the kernel can (see <see cref="OpenDir"/>).
    /// </summary>
    public override void Init(ref FuseConnInfo connection)
    {
        if ((connection.Capable & FuseConnInfo.ReaddirPlus) != 0)
        {
            connection.Want |= FuseConnInfo.ReaddirPlus;
            connection.Want &= ~FuseConnInfo.ReaddirPlusAuto;
        }
        _zeroMessageOpenDir = (connection.Capable & FuseConnInfo.NoOpendirSupport) != 0;
    }

    public override void Lookup(FuseRequest request, ulong parent, ReadOnlySpan<byte> name)
    {
        var snapshot = Snapshot;
        if (Resolve(parent, out var errno) is { } node) node.Lookup(request, snapshot, name);
        else request.ReplyError(errno);
    }

    public override void Forget(ulong ino, ulong lookups)
    {
        if (IsSynthetic(ino)) _synthetic.Forget(ino, lookups);
        else _scanner.BySlot((uint)(ino >> 32))?.Forget(lookups);
    }

    public override void GetAttr(FuseRequest request, ulong ino)
    {
        if (Resolve(ino, out var errno) is { } node) node.GetAttr(request, Snapshot);
        else request.ReplyError(errno);
    }

    public override void ReadLink(FuseRequest request, ulong ino)
    {
        if (Resolve(ino, out var errno) is { } node) node.ReadLink(request, Snapshot);
        else request.ReplyError(errno);
    }

    public override void Open(FuseRequest request, ulong ino, ref FuseFileInfo info)
    {
        const int accessModeMask = 3; // O_ACCMODE; O_RDONLY is 0
        if ((info.Flags & accessModeMask) != 0) request.ReplyError(Errno.EROFS);
        else if (Resolve(ino, out var errno) is { } node) node.Open(request);
        else request.ReplyError(errno);
    }

    public override void Read(FuseRequest request, ulong ino, int size, long offset, ref FuseFileInfo info)
    {
        if (Resolve(ino, out var errno) is { } node) node.Read(request, size, offset);
        else request.ReplyError(errno);
    }

    /// <summary>
    /// ENOSYS turns on the kernel's zero-message opendir: from then on it opens and releases
    /// directories without asking, and keeps their listings in its page cache (FOPEN_KEEP_CACHE |
    /// FOPEN_CACHE_DIR), so walking a tree a second time costs no request at all. Image listings
    /// never change; a rescan invalidates the ones that may (see <see cref="Rescan"/>).
    /// </summary>
    public override void OpenDir(FuseRequest request, ulong ino, ref FuseFileInfo info)
    {
        if (_zeroMessageOpenDir) request.ReplyError(Errno.ENOSYS);
        else request.ReplyOpen(info);
    }

    public override void ReadDir(FuseRequest request, ulong ino, int size, long offset, ref FuseFileInfo info) =>
        ReadDirectory(request, ino, size, Math.Max(0, offset), withAttributes: false);

    public override void ReadDirPlus(FuseRequest request, ulong ino, int size, long offset, ref FuseFileInfo info) =>
        ReadDirectory(request, ino, size, Math.Max(0, offset), withAttributes: true);

    [ThreadStatic] private static byte[]? t_directoryBuffer;

    /// <summary>
    /// Fills one readdir(plus) reply from <paramref name="offset"/>, going on with the walk parked
    /// there or starting one. With attributes, an entry of an immutable image directory goes out as
    /// a lookup's answer (counted as one when it fits), so `find` or `ls -l` costs no lookup per
    /// name; any other entry only lists its name and the kernel looks it up when it needs to.
    /// </summary>
    private void ReadDirectory(FuseRequest request, ulong ino, int size, long offset, bool withAttributes)
    {
        var directory = _walks.Take(ino, offset);
        if (directory is null)
        {
            directory = Resolve(ino, out var errno)?.OpenDirectory(Snapshot, out errno);
            if (directory is null)
            {
                request.ReplyError(errno);
                return;
            }
        }
        var buffer = t_directoryBuffer is { } b && b.Length >= size ? b : t_directoryBuffer = new byte[Math.Max(size, 128 * 1024)];
        var used = 0;
        Span<byte> terminated = stackalloc byte[SquashFsFormat.MaxNameLength + 1];
        var more = false;
        try
        {
            directory.Seek(offset);
            while (directory.TryPeek(out var entry))
            {
                var name = entry.Name;
                // fuse_add_direntry wants a C string; entries come without the NUL.
                var cName = name.Length < terminated.Length ? terminated[..(name.Length + 1)] : new byte[name.Length + 1];
                name.CopyTo(cName);
                cName[^1] = 0;
                var room = buffer.AsSpan(used, size - used);
                int needed;
                ImageNode? node = null;
                if (withAttributes)
                {
                    node = entry.Package?.Remember(inodeNumber: (uint)entry.Ino, entry.InodeReference); // the id's low half
                    var answer = node is null
                        ? new FuseEntryParam { Attr = new Stat { Ino = entry.Ino, Mode = entry.Mode } }
                        : new FuseEntryParam { Ino = node.Id, Attr = node.Stat, AttrTimeout = RoNode.ImmutableTimeout, EntryTimeout = RoNode.ImmutableTimeout };
                    needed = request.AddDirectoryEntryPlus(room, cName, answer, directory.Position + 1);
                }
                else
                {
                    needed = request.AddDirectoryEntry(room, cName, new Stat { Ino = entry.Ino, Mode = entry.Mode }, directory.Position + 1);
                }
                if (needed > room.Length)
                {
                    more = true;
                    break;
                }
                node?.Package.AddLookup();
                used += needed;
                directory.Advance();
            }
        }
        catch (SquashFsException e)
        {
            directory.Reset();
            directory.Package?.MarkBroken(e);
            request.ReplyError(Errno.EIO);
            return;
        }
        // A walk with entries left waits for the reader's next call; a finished one is dropped.
        if (more) _walks.Park(ino, directory);
        else directory.Reset();
        request.ReplyBuffer(buffer.AsSpan(0, used));
    }

    // Only before zero-message opendir is on (or on kernels without it): there are no handles to release.
    public override void ReleaseDir(FuseRequest request, ulong ino, ref FuseFileInfo info) => request.ReplyError(0);

    public override void GetXattr(FuseRequest request, ulong ino, string name, int size)
    {
        if (Resolve(ino, out var errno) is not { } node) request.ReplyError(errno);
        else if (node.GetXattr(name) is not { } value) request.ReplyError(Errno.ENODATA);
        else ReplySized(request, value, size);
    }

    public override void ListXattr(FuseRequest request, ulong ino, int size)
    {
        if (Resolve(ino, out var errno) is { } node) ReplySized(request, node.ListXattrNames(), size);
        else request.ReplyError(errno);
    }

    /// <summary>
    /// What <c>df /ro</c> shows: the visible images' total size, all used (like the kernel's
    /// squashfs: nothing is free on a read-only image), and the longest name an image can hold.
    /// Sizes come from the store listing, so this opens no image; inodes are not counted for the
    /// same reason (<c>df -i</c> shows none).
    /// </summary>
    public override void StatFs(FuseRequest request, ulong ino)
    {
        const ulong blockSize = 4096;
        const ulong readOnly = 1; // ST_RDONLY
        ulong bytes = 0;
        foreach (var package in Snapshot.Packages.Values)
        {
            try
            {
                bytes += (ulong)new FileInfo(package.ImagePath).Length;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Removed since the snapshot was taken: it no longer takes space.
            }
        }
        var statvfs = new StatVfs
        {
            BlockSize = blockSize,
            FragmentSize = blockSize,
            Blocks = (bytes + blockSize - 1) / blockSize,
            Flags = readOnly,
            NameMax = SquashFsFormat.MaxNameLength,
        };
        request.ReplyStatfs(statvfs);
    }

    public override void OnUnhandledException(string operation, ulong ino, Exception exception)
    {
        switch (exception)
        {
            case BrokenImageException:
                return; // logged once when the package was marked broken
            case SquashFsException corrupt when !IsSynthetic(ino) && _scanner.BySlot((uint)(ino >> 32)) is { } package:
                package.MarkBroken(corrupt);
                return;
            default:
                _log($"{operation} of inode {ino:x} failed: {exception}");
                return;
        }
    }

    // size 0 asks for the length; a too small buffer is ERANGE (getxattr(2) and listxattr(2)).
    private static void ReplySized(FuseRequest request, byte[] value, int size)
    {
        if (size == 0) request.ReplyXattrSize(value.Length);
        else if (size < value.Length) request.ReplyError(Errno.ERANGE);
        else request.ReplyBuffer(value);
    }

    private static bool IsSynthetic(ulong ino) => ino >> 32 == 0;

    /// <summary>
    /// The node behind a kernel id: slot 0 holds the synthetic nodes, slot n ≥ 1 a package with its
    /// squashfs inode numbers below. Null and the errno to answer when there is none (ENOENT) or
    /// its image cannot be read (EIO).
    /// </summary>
    private RoNode? Resolve(ulong ino, out int errno)
    {
        errno = Errno.ENOENT;
        if (IsSynthetic(ino)) return _synthetic.Find(ino);
        return _scanner.BySlot((uint)(ino >> 32))?.Node((uint)ino, out errno);
    }
}
