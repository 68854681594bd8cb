using System.Collections.Concurrent;
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
    private readonly ConcurrentDictionary<ulong, DirectoryStream> _openDirectories = new();
    private readonly Lock _rescanLock = new();
    private long _nextHandle;
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

    public override void OpenDir(FuseRequest request, ulong ino, ref FuseFileInfo info)
    {
        var directory = Resolve(ino, out var errno)?.OpenDirectory(Snapshot, out errno);
        if (directory is null)
        {
            request.ReplyError(errno);
            return;
        }
        var handle = (ulong)Interlocked.Increment(ref _nextHandle);
        _openDirectories[handle] = directory;
        info.Fh = handle;
        request.ReplyOpen(info);
    }

    public override void ReadDir(FuseRequest request, ulong ino, int size, long offset, ref FuseFileInfo info)
    {
        if (!_openDirectories.TryGetValue(info.Fh, out var directory))
        {
            request.ReplyError(Errno.EBADF);
            return;
        }
        var buffer = new byte[size];
        var used = 0;
        Span<byte> terminated = stackalloc byte[SquashFsFormat.MaxNameLength + 1];
        lock (directory.Lock)
        {
            try
            {
                directory.Seek(Math.Max(0, offset));
                while (directory.TryPeek(out var entry))
                {
                    var name = entry.Name;
                    var stat = new Stat { Ino = entry.Ino, Mode = entry.Mode };
                    // fuse_add_direntry wants a C string; entries come without the NUL.
                    var cName = name.Length < terminated.Length ? terminated[..(name.Length + 1)] : new byte[name.Length + 1];
                    name.CopyTo(cName);
                    cName[^1] = 0;
                    var needed = request.AddDirectoryEntry(buffer.AsSpan(used), cName, stat, directory.Position + 1);
                    if (needed > size - used) break;
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
        }
        request.ReplyBuffer(buffer.AsSpan(0, used));
    }

    public override void ReleaseDir(FuseRequest request, ulong ino, ref FuseFileInfo info)
    {
        if (_openDirectories.TryRemove(info.Fh, out var directory))
        {
            lock (directory.Lock) directory.Reset();
        }
        request.ReplyError(0);
    }

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
