using System.Collections.Concurrent;
using System.Text;
using System.Text.Unicode;
using Distri.Fuse.Exchange;
using Distri.Fuse.Native;
using Distri.Fuse.Store;
using Distri.SquashFs;
using Distri.SquashFs.Format;

namespace Distri.Fuse;

/// <summary>
/// The /ro tree over a store: the root lists packages, the global exchange directories and any
/// extra directories; <c>/ro/&lt;full&gt;</c> is the image. Node ids: slot 0 (high 32 bits) holds
/// synthetic nodes (root = 1), slot n ≥ 1 is a package with its squashfs inode numbers below.
/// Image content is immutable, so it gets day-long kernel caching; whatever a rescan can change
/// (root entries, exchange and joined directories) gets a short timeout and is invalidated on rescan.
/// </summary>
internal sealed class RoFileSystem : LowLevelFileSystem
{
    public const ulong RootId = 1;
    private const double ImageTimeout = 86400;
    private const double ChangingTimeout = 1;
    private const uint DirectoryMode = 0x4000 | 0b101_101_101; // dr-xr-xr-x
    private const uint SymlinkMode = 0xA000 | 0b111_111_111;

    private readonly StoreScanner _scanner;
    private readonly SortedSet<string> _extraDirectories;
    private readonly Action<string> _log;
    private readonly long _startTime = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
    private readonly ConcurrentDictionary<string, ulong> _syntheticIds = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<ulong, Synthetic> _synthetic = new();
    private readonly ConcurrentDictionary<ulong, DirectoryStream> _openDirectories = new();
    private readonly Lock _rescanLock = new();
    private readonly Stack<ulong> _freeSyntheticIds = new();
    private long _nextSyntheticId = (long)RootId + 1;
    private long _nextHandle;
    private StoreSnapshot _snapshot;

    [ThreadStatic] private static byte[]? t_readBuffer;

    public RoFileSystem(StoreScanner scanner, IEnumerable<string> extraDirectories, Action<string> log)
    {
        _scanner = scanner;
        _extraDirectories = new SortedSet<string>(extraDirectories, StringComparer.Ordinal);
        _log = log;
        _synthetic[RootId] = new Synthetic(SyntheticKind.Root, "", "");
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
                if (!next.Packages.TryGetValue(name, out var now) || now != package) session.InvalidateEntry(RootId, name);
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
        if (IsSynthetic(parent))
        {
            // Synthetic names (packages, exchange entries, extra directories) are all UTF-8, so
            // bytes that do not decode name nothing there.
            if (Utf8.IsValid(name)) LookupSynthetic(request, snapshot, parent, Encoding.UTF8.GetString(name));
            else request.ReplyError(Errno.ENOENT);
            return;
        }
        if (!TryResolve(parent, out var package, out var image, out var directory, out var errno))
        {
            request.ReplyError(errno);
            return;
        }
        if (directory.Type != SquashFsEntryType.Directory)
        {
            request.ReplyError(Errno.ENOTDIR);
            return;
        }
        var joined = snapshot.JoinedInto(parent);
        // Image names are passed on as bytes: Linux names need not be UTF-8.
        var child = GuardedLookup(package, image, directory, name);
        if (child is not null)
        {
            if (joined.Length > 0) snapshot.HandOut(parent, name);
            ReplyImageEntry(request, package, image, child, joined.Length > 0 ? ChangingTimeout : ImageTimeout);
            return;
        }
        foreach (var join in joined)
        {
            if (join.Plugin.Image is not { } pluginImage) continue;
            var pluginChild = GuardedLookup(join.Plugin, pluginImage, join.Directory, name);
            if (pluginChild is null) continue;
            snapshot.HandOut(parent, name);
            ReplyImageEntry(request, join.Plugin, pluginImage, pluginChild, ChangingTimeout);
            return;
        }
        if (joined.Length > 0)
        {
            request.ReplyError(Errno.ENOENT);
            return;
        }
        // Immutable content: let the kernel remember that the name is absent (ino 0 = negative entry).
        var negative = new FuseEntryParam { Ino = 0, EntryTimeout = ImageTimeout };
        request.ReplyEntry(negative);
    }

    private void LookupSynthetic(FuseRequest request, StoreSnapshot snapshot, ulong parent, string name)
    {
        if (!_synthetic.TryGetValue(parent, out var node))
        {
            request.ReplyError(Errno.ENOENT);
            return;
        }
        switch (node.Kind)
        {
            case SyntheticKind.Root:
                if (StoreSnapshot.ExchangeRoots.Contains(name, StringComparer.Ordinal))
                {
                    ReplySyntheticEntry(request, SyntheticKind.ExchangeDirectory, name);
                }
                else if (_extraDirectories.Contains(name))
                {
                    ReplySyntheticEntry(request, SyntheticKind.ExtraDirectory, name);
                }
                else if (snapshot.Packages.TryGetValue(name, out var package))
                {
                    if (package.Image is not { } image)
                    {
                        request.ReplyError(Errno.EIO);
                        return;
                    }
                    snapshot.HandOut(parent, Encoding.UTF8.GetBytes(name));
                    ReplyImageEntry(request, package, image, image.Root, ChangingTimeout);
                }
                else
                {
                    request.ReplyError(Errno.ENOENT);
                }
                return;
            case SyntheticKind.ExchangeDirectory:
                var listing = snapshot.Exchange(node.Path);
                if (listing is null || !listing.TryGetValue(name, out var entry))
                {
                    request.ReplyError(Errno.ENOENT);
                    return;
                }
                snapshot.HandOut(parent, Encoding.UTF8.GetBytes(name));
                var path = node.Path + "/" + name;
                ReplySyntheticEntry(request, entry.IsDirectory ? SyntheticKind.ExchangeDirectory : SyntheticKind.ExchangeLink, path);
                return;
            default:
                request.ReplyError(node.Kind == SyntheticKind.ExchangeLink ? Errno.ENOTDIR : Errno.ENOENT);
                return;
        }
    }

    public override void GetAttr(FuseRequest request, ulong ino)
    {
        if (IsSynthetic(ino))
        {
            if (!TrySyntheticStat(ino, out var stat, out var errno))
                request.ReplyError(errno);
            else
                request.ReplyAttr(stat, ChangingTimeout);
            return;
        }
        if (!TryResolve(ino, out _, out _, out var inode, out var error))
        {
            request.ReplyError(error);
            return;
        }
        request.ReplyAttr(ImageStat(ino, inode), ImageTimeout);
    }

    public override void ReadLink(FuseRequest request, ulong ino)
    {
        if (IsSynthetic(ino))
        {
            var target = _synthetic.TryGetValue(ino, out var node) && node.Kind == SyntheticKind.ExchangeLink ? LinkTarget(node.Path) : null;
            if (target is null) request.ReplyError(node is null || node.Kind == SyntheticKind.ExchangeLink ? Errno.ENOENT : Errno.EINVAL);
            else request.ReplyReadlink(target);
            return;
        }
        if (!TryResolve(ino, out var package, out var image, out var inode, out var errno))
        {
            request.ReplyError(errno);
            return;
        }
        if (inode.Type != SquashFsEntryType.Symlink)
        {
            request.ReplyError(Errno.EINVAL);
            return;
        }
        ReadOnlyMemory<byte> link;
        try
        {
            link = image.ReadLinkBytes(inode);
        }
        catch (SquashFsException e)
        {
            package.MarkBroken(e);
            throw new BrokenImageException(e);
        }
        request.ReplyReadlink(link.Span);
    }

    public override void Open(FuseRequest request, ulong ino, ref FuseFileInfo info)
    {
        const int accessModeMask = 3; // O_ACCMODE; O_RDONLY is 0
        if ((info.Flags & accessModeMask) != 0)
        {
            request.ReplyError(Errno.EROFS);
            return;
        }
        if (IsSynthetic(ino))
        {
            request.ReplyError(Errno.EISDIR);
            return;
        }
        if (!TryResolve(ino, out _, out _, out var inode, out var errno))
        {
            request.ReplyError(errno);
            return;
        }
        if (inode.Type == SquashFsEntryType.Directory)
        {
            request.ReplyError(Errno.EISDIR);
            return;
        }
        // ENOSYS on a good open turns on the kernel's zero-message opens: from now on it opens
        // and releases files without asking us, with FOPEN_KEEP_CACHE (the image never changes
        // under an inode, so the page cache may outlive any open). That saves two round trips
        // per open file, which is most of the cost of reading many small files warm.
        request.ReplyError(Errno.ENOSYS);
    }

    public override void Read(FuseRequest request, ulong ino, int size, long offset, ref FuseFileInfo info)
    {
        if (!TryResolve(ino, out var package, out var image, out var inode, out var errno))
        {
            request.ReplyError(errno);
            return;
        }
        if (inode.Type != SquashFsEntryType.File)
        {
            request.ReplyError(Errno.EISDIR);
            return;
        }
        var buffer = t_readBuffer is { } b && b.Length >= size ? b : t_readBuffer = new byte[Math.Max(size, 128 * 1024)];
        var total = 0;
        try
        {
            while (total < size)
            {
                var n = image.Read(inode, offset + total, buffer.AsSpan(total, size - total));
                if (n <= 0) break;
                total += n;
            }
        }
        catch (SquashFsException e)
        {
            package.MarkBroken(e);
            request.ReplyError(Errno.EIO);
            return;
        }
        request.ReplyBuffer(buffer.AsSpan(0, total));
    }

    public override void OpenDir(FuseRequest request, ulong ino, ref FuseFileInfo info)
    {
        var directory = IsSynthetic(ino) ? OpenSynthetic(ino, out var errno) : OpenImageDirectory(ino, out errno);
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
        // Only the asked-for value is read: exec asks every file for security.capability.
        var value = ReadXattrs(ino, (image, inode) => image.GetXattr(inode, name), out var errno);
        if (errno != 0) request.ReplyError(errno);
        else if (value is null) request.ReplyError(Errno.ENODATA);
        else ReplySized(request, value, size);
    }

    public override void ListXattr(FuseRequest request, ulong ino, int size)
    {
        var names = ReadXattrs(ino, (image, inode) => image.ListXattrNames(inode), out var errno);
        if (errno != 0) request.ReplyError(errno);
        else ReplySized(request, names ?? [], size);
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

    /// <summary>Runs an xattr read on an image node; synthetic nodes have no xattrs (null). errno is 0 unless the node cannot be read.</summary>
    private byte[]? ReadXattrs(ulong ino, Func<SquashFsImage, SquashFsInode, byte[]?> read, out int errno)
    {
        errno = 0;
        if (IsSynthetic(ino))
        {
            if (!_synthetic.ContainsKey(ino)) errno = Errno.ENOENT;
            return null;
        }
        if (!TryResolve(ino, out var package, out var image, out var inode, out errno)) return null;
        errno = 0;
        return Guard(package, () => read(image, inode));
    }

    private static bool IsSynthetic(ulong ino) => ino >> 32 == 0;

    /// <summary>Finds the package, open image and inode behind a package node id.</summary>
    private bool TryResolve(ulong ino, out StorePackage package, out SquashFsImage image, out SquashFsInode inode, out int errno)
    {
        package = _scanner.BySlot((uint)(ino >> 32))!;
        image = null!;
        inode = null!;
        errno = Errno.ENOENT;
        if (package is null) return false;
        errno = Errno.EIO;
        if (package.Image is not { } opened) return false;
        image = opened;
        var found = package.Inode((uint)ino);
        errno = Errno.ENOENT;
        if (found is null) return false;
        inode = found;
        return true;
    }

    /// <summary>Looks a raw name up in an image directory; a corrupt image marks the package broken (logged once).</summary>
    private static SquashFsInode? GuardedLookup(StorePackage package, SquashFsImage image, SquashFsInode directory, ReadOnlySpan<byte> name)
    {
        try
        {
            return image.Lookup(directory, name);
        }
        catch (SquashFsException e)
        {
            package.MarkBroken(e);
            throw new BrokenImageException(e);
        }
    }

    /// <summary>Runs a reader call; a corrupt image marks the package broken (logged once) and yields null.</summary>
    private static T? Guard<T>(StorePackage package, Func<T?> read) where T : class
    {
        try
        {
            return read();
        }
        catch (SquashFsException e)
        {
            package.MarkBroken(e);
            throw new BrokenImageException(e);
        }
    }

    private void ReplyImageEntry(FuseRequest request, StorePackage package, SquashFsImage image, SquashFsInode inode, double entryTimeout)
    {
        var id = package.Remember(inode, image);
        package.AddLookup();
        var entry = new FuseEntryParam
        {
            Ino = id,
            Attr = ImageStat(id, inode),
            AttrTimeout = ImageTimeout,
            EntryTimeout = entryTimeout,
        };
        request.ReplyEntry(entry);
    }

    private void ReplySyntheticEntry(FuseRequest request, SyntheticKind kind, string path)
    {
        var id = SyntheticId(kind, path, lookup: true);
        if (!TrySyntheticStat(id, out var stat, out var errno))
        {
            Forget(id, 1);
            request.ReplyError(errno);
            return;
        }
        var entry = new FuseEntryParam { Ino = id, Attr = stat, AttrTimeout = ChangingTimeout, EntryTimeout = ChangingTimeout };
        request.ReplyEntry(entry);
    }

    private static Stat ImageStat(ulong id, SquashFsInode inode)
    {
        var time = new Timespec { Seconds = inode.ModificationTime };
        return new Stat
        {
            Ino = id,
            Mode = inode.Mode,
            Nlink = inode.LinkCount,
            Uid = inode.Uid,
            Gid = inode.Gid,
            Rdev = inode.DeviceNumber,
            Size = inode.Size,
            BlockSize = 4096,
            Blocks = (inode.Size + 511) / 512,
            Atime = time,
            Mtime = time,
            Ctime = time,
        };
    }

    private bool TrySyntheticStat(ulong id, out Stat stat, out int errno)
    {
        stat = default;
        errno = Errno.ENOENT;
        if (!_synthetic.TryGetValue(id, out var node)) return false;
        var time = new Timespec { Seconds = _startTime };
        stat = new Stat { Ino = id, Nlink = 2, Mode = DirectoryMode, BlockSize = 4096, Atime = time, Mtime = time, Ctime = time };
        if (node.Kind == SyntheticKind.ExchangeLink)
        {
            var target = LinkTarget(node.Path);
            if (target is null) return false;
            stat.Mode = SymlinkMode;
            stat.Nlink = 1;
            stat.Size = Encoding.UTF8.GetByteCount(target);
        }
        return true;
    }

    /// <summary>The current target of the exchange link at <paramref name="path"/>, or null if it is gone.</summary>
    private string? LinkTarget(string path)
    {
        var slash = path.LastIndexOf('/');
        var directory = path[..slash];
        var name = path[(slash + 1)..];
        var listing = Snapshot.Exchange(directory);
        if (listing is null || !listing.TryGetValue(name, out var entry) || entry.IsDirectory) return null;
        return ExchangeMerge.LinkTarget(directory, name, entry.Winner);
    }

    /// <summary>
    /// The id of a synthetic node, created on first use. Ids are keyed by kind and path: a path that
    /// turns from a link into a directory across rescans gets a new inode rather than one that
    /// changes type. A lookup counts as a reference the kernel holds until it forgets it; nodes
    /// the kernel forgot are dropped and their ids reused, so walking a big merged tree does not
    /// keep one node per path for the daemon's life.
    /// </summary>
    private ulong SyntheticId(SyntheticKind kind, string path, bool lookup = false)
    {
        var key = (char)('0' + (int)kind) + path;
        if (!lookup && _syntheticIds.TryGetValue(key, out var known)) return known;
        lock (_syntheticIds)
        {
            if (!_syntheticIds.TryGetValue(key, out var id))
            {
                id = _freeSyntheticIds.TryPop(out var free) ? free : (ulong)Interlocked.Increment(ref _nextSyntheticId);
                if (id > uint.MaxValue) throw new InvalidOperationException("out of synthetic inode numbers");
                _synthetic[id] = new Synthetic(kind, path, key);
                _syntheticIds[key] = id;
            }
            if (lookup) _synthetic[id].Lookups++;
            return id;
        }
    }

    public override void Forget(ulong ino, ulong lookups)
    {
        if (!IsSynthetic(ino))
        {
            _scanner.BySlot((uint)(ino >> 32))?.Forget(lookups);
            return;
        }
        lock (_syntheticIds)
        {
            if (ino == RootId || !_synthetic.TryGetValue(ino, out var node)) return;
            node.Lookups -= (long)Math.Min(lookups, long.MaxValue);
            if (node.Lookups > 0) return;
            _synthetic.TryRemove(ino, out _);
            _syntheticIds.TryRemove(new KeyValuePair<string, ulong>(node.Key, ino));
            _freeSyntheticIds.Push(ino);
        }
    }

    private static readonly byte[] Dot = "."u8.ToArray();
    private static readonly byte[] DotDot = ".."u8.ToArray();

    private static IEnumerable<ListedEntry> WithDots(ulong self, IEnumerable<ListedEntry> entries)
    {
        yield return new ListedEntry(Dot, self, DirectoryMode);
        yield return new ListedEntry(DotDot, RootId, DirectoryMode);
        foreach (var entry in entries) yield return entry;
    }

    private static ListedEntry Entry(string name, ulong ino, uint mode) => new(Encoding.UTF8.GetBytes(name), ino, mode);

    private DirectoryStream? OpenSynthetic(ulong ino, out int errno)
    {
        errno = Errno.ENOENT;
        if (!_synthetic.TryGetValue(ino, out var node)) return null;
        switch (node.Kind)
        {
            case SyntheticKind.Root:
                var snapshot = Snapshot;
                return new DirectoryStream(() => WithDots(ino, RootEntries(snapshot)), null);
            case SyntheticKind.ExchangeDirectory:
                var exchange = Snapshot.Exchange(node.Path);
                if (exchange is null) return null;
                return new DirectoryStream(() => WithDots(ino, ExchangeEntries(node.Path, exchange)), null);
            case SyntheticKind.ExtraDirectory:
                return new DirectoryStream(() => WithDots(ino, []), null);
            default:
                errno = Errno.ENOTDIR;
                return null;
        }
    }

    // The store's own listing: as many entries as there are packages, so it is built per walk.
    private IEnumerable<ListedEntry> RootEntries(StoreSnapshot snapshot)
    {
        var names = new SortedDictionary<string, ulong>(StringComparer.Ordinal);
        foreach (var name in StoreSnapshot.ExchangeRoots) names[name] = SyntheticId(SyntheticKind.ExchangeDirectory, name);
        foreach (var name in _extraDirectories) names[name] = SyntheticId(SyntheticKind.ExtraDirectory, name);
        foreach (var package in snapshot.Packages.Values) names.TryAdd(package.Name, package.RootNodeId);
        foreach (var (name, id) in names) yield return Entry(name, id, DirectoryMode);
    }

    // The merged listing is the snapshot's, shared by every handle; ids are looked up as entries go out.
    private IEnumerable<ListedEntry> ExchangeEntries(string path, SortedDictionary<string, ExchangeEntry> exchange)
    {
        foreach (var (name, entry) in exchange)
        {
            var childPath = path + "/" + name;
            yield return entry.IsDirectory
                ? Entry(name, SyntheticId(SyntheticKind.ExchangeDirectory, childPath), DirectoryMode)
                : Entry(name, SyntheticId(SyntheticKind.ExchangeLink, childPath), SymlinkMode);
        }
    }

    private DirectoryStream? OpenImageDirectory(ulong ino, out int errno)
    {
        if (!TryResolve(ino, out var package, out var image, out var directory, out errno)) return null;
        if (directory.Type != SquashFsEntryType.Directory)
        {
            errno = Errno.ENOTDIR;
            return null;
        }
        var joined = Snapshot.JoinedInto(ino);
        return new DirectoryStream(() => WithDots(ino, ImageEntries(package, image, directory, joined)), package);
    }

    /// <summary>
    /// An image directory's entries, then those of plugin directories joined into it that no earlier
    /// directory has. Names go to the kernel as the image stores them (the reader has already refused
    /// '/', NUL, "." and ".."); shadowing is checked with lookups, so nothing is collected.
    /// </summary>
    private static IEnumerable<ListedEntry> ImageEntries(StorePackage package, SquashFsImage image, SquashFsInode directory, JoinedDirectory[] joined)
    {
        foreach (var entry in image.ReadDirectoryRaw(directory))
            yield return new ListedEntry(entry.Name, package.NodeId(entry.InodeNumber), SquashFsInode.FileTypeBits(entry.Type));
        for (var i = 0; i < joined.Length; i++)
        {
            if (joined[i].Plugin.Image is not { } pluginImage) continue;
            foreach (var entry in pluginImage.ReadDirectoryRaw(joined[i].Directory))
            {
                if (IsShadowed(entry.Name, image, directory, joined, i)) continue;
                yield return new ListedEntry(entry.Name, joined[i].Plugin.NodeId(entry.InodeNumber), SquashFsInode.FileTypeBits(entry.Type));
            }
        }
    }

    /// <summary>True when the host directory or a plugin joined before <paramref name="plugin"/> has <paramref name="name"/>.</summary>
    private static bool IsShadowed(byte[] name, SquashFsImage hostImage, SquashFsInode hostDirectory, JoinedDirectory[] joined, int plugin)
    {
        if (hostImage.Lookup(hostDirectory, name) is not null) return true;
        for (var i = 0; i < plugin; i++)
        {
            if (joined[i].Plugin.Image is { } earlier && earlier.Lookup(joined[i].Directory, name) is not null) return true;
        }
        return false;
    }

    private enum SyntheticKind
    {
        Root,
        ExchangeDirectory,
        ExchangeLink,
        ExtraDirectory,
    }

    /// <summary>A synthetic node; <see cref="Lookups"/> (guarded by the id lock) counts the kernel's references.</summary>
    private sealed class Synthetic(SyntheticKind kind, string path, string key)
    {
        public SyntheticKind Kind { get; } = kind;
        public string Path { get; } = path;
        public string Key { get; } = key;
        public long Lookups { get; set; }
    }

    /// <summary>A reader error already logged (once) against its package; the request answers EIO.</summary>
    private sealed class BrokenImageException(Exception inner) : Exception(inner.Message, inner);
}
