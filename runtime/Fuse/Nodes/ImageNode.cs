using Distri.Fuse.Native;
using Distri.Fuse.Store;
using Distri.SquashFs;

namespace Distri.Fuse.Nodes;

/// <summary>
/// An inode of a package image, shown exactly as stored. Its package keeps it once handed to the
/// kernel (<see cref="StorePackage.Remember"/>), so answering the kernel about it allocates
/// nothing. A reader error marks the package broken (logged once) and answers EIO.
/// </summary>
internal sealed class ImageNode(StorePackage package, SquashFsImage image, SquashFsInode inode, ulong id) : RoNode(id)
{
    public StorePackage Package { get; } = package;
    public SquashFsImage Image { get; } = image;
    public SquashFsInode Inode { get; } = inode;

    public Stat Stat
    {
        get
        {
            var time = new Timespec { Seconds = Inode.ModificationTime };
            return new Stat
            {
                Ino = Id,
                Mode = Inode.Mode,
                Nlink = Inode.LinkCount,
                Uid = Inode.Uid,
                Gid = Inode.Gid,
                Rdev = Inode.DeviceNumber,
                Size = Inode.Size,
                BlockSize = 4096,
                Blocks = (Inode.Size + 511) / 512,
                Atime = time,
                Mtime = time,
                Ctime = time,
            };
        }
    }

    private bool IsDirectory => Inode.Type == SquashFsEntryType.Directory;

    public override void Lookup(FuseRequest request, StoreSnapshot snapshot, ReadOnlySpan<byte> name)
    {
        if (!IsDirectory)
        {
            request.ReplyError(Errno.ENOTDIR);
            return;
        }
        var joined = snapshot.JoinedInto(Id);
        // Names are passed on as bytes: Linux names need not be UTF-8.
        var child = Guarded(Package, Image, Inode, name);
        if (child is not null)
        {
            if (joined.Length > 0) snapshot.HandOut(Id, name);
            ReplyEntry(request, Package.Remember(child, Image), joined.Length > 0 ? ChangingTimeout : ImmutableTimeout);
            return;
        }
        foreach (var join in joined)
        {
            if (join.Plugin.Image is not { } pluginImage) continue;
            var pluginChild = Guarded(join.Plugin, pluginImage, join.Directory, name);
            if (pluginChild is null) continue;
            snapshot.HandOut(Id, name);
            ReplyEntry(request, join.Plugin.Remember(pluginChild, pluginImage), ChangingTimeout);
            return;
        }
        if (joined.Length > 0)
        {
            // A plugin may bring the name with the next rescan.
            request.ReplyError(Errno.ENOENT);
            return;
        }
        // Immutable content: let the kernel remember that the name is absent (ino 0 = negative entry).
        var negative = new FuseEntryParam { Ino = 0, EntryTimeout = ImmutableTimeout };
        request.ReplyEntry(negative);
    }

    /// <summary>Answers a lookup with <paramref name="child"/>, counting the reference the kernel now holds.</summary>
    public static void ReplyEntry(FuseRequest request, ImageNode child, double entryTimeout)
    {
        child.Package.AddLookup();
        var entry = new FuseEntryParam
        {
            Ino = child.Id,
            Attr = child.Stat,
            AttrTimeout = ImmutableTimeout,
            EntryTimeout = entryTimeout,
        };
        request.ReplyEntry(entry);
    }

    public override void GetAttr(FuseRequest request, StoreSnapshot snapshot) => request.ReplyAttr(Stat, ImmutableTimeout);

    public override void ReadLink(FuseRequest request, StoreSnapshot snapshot)
    {
        if (Inode.Type != SquashFsEntryType.Symlink)
        {
            request.ReplyError(Errno.EINVAL);
            return;
        }
        ReadOnlyMemory<byte> link;
        try
        {
            link = Image.ReadLinkBytes(Inode);
        }
        catch (SquashFsException e)
        {
            throw Broken(Package, e);
        }
        request.ReplyReadlink(link.Span);
    }

    public override void Open(FuseRequest request)
    {
        if (IsDirectory)
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

    [ThreadStatic] private static byte[]? t_readBuffer;

    public override void Read(FuseRequest request, int size, long offset)
    {
        if (Inode.Type != SquashFsEntryType.File)
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
                var n = Image.Read(Inode, offset + total, buffer.AsSpan(total, size - total));
                if (n <= 0) break;
                total += n;
            }
        }
        catch (SquashFsException e)
        {
            Package.MarkBroken(e);
            request.ReplyError(Errno.EIO);
            return;
        }
        request.ReplyBuffer(buffer.AsSpan(0, total));
    }

    public override DirectoryStream? OpenDirectory(StoreSnapshot snapshot, out int errno)
    {
        if (!IsDirectory)
        {
            errno = Errno.ENOTDIR;
            return null;
        }
        errno = 0;
        var joined = snapshot.JoinedInto(Id);
        return new DirectoryStream(() => DirectoryStream.WithDots(Id, Entries(joined)), Package);
    }

    /// <summary>
    /// This directory's entries, then those of plugin directories joined into it that no earlier
    /// directory has. Names go to the kernel as the image stores them (the reader has already refused
    /// '/', NUL, "." and ".."); shadowing is checked with lookups, so nothing is collected. Entries
    /// of a directory nothing is joined into can be handed out with their attributes (readdirplus);
    /// a joined directory's may change with a rescan, so the kernel looks those up.
    /// </summary>
    private IEnumerable<ListedEntry> Entries(JoinedDirectory[] joined)
    {
        var immutable = joined.Length == 0 ? Package : null;
        foreach (var entry in Image.ReadDirectoryRaw(Inode))
            yield return new ListedEntry(entry.Name, Package.NodeId(entry.InodeNumber), SquashFsInode.FileTypeBits(entry.Type), immutable, entry.InodeReference);
        for (var i = 0; i < joined.Length; i++)
        {
            if (joined[i].Plugin.Image is not { } pluginImage) continue;
            foreach (var entry in pluginImage.ReadDirectoryRaw(joined[i].Directory))
            {
                if (IsShadowed(entry.Name, joined, i)) continue;
                yield return new ListedEntry(entry.Name, joined[i].Plugin.NodeId(entry.InodeNumber), SquashFsInode.FileTypeBits(entry.Type));
            }
        }
    }

    /// <summary>True when this directory or a plugin joined before <paramref name="plugin"/> has <paramref name="name"/>.</summary>
    private bool IsShadowed(byte[] name, JoinedDirectory[] joined, int plugin)
    {
        if (Image.Lookup(Inode, name) is not null) return true;
        for (var i = 0; i < plugin; i++)
        {
            if (joined[i].Plugin.Image is { } earlier && earlier.Lookup(joined[i].Directory, name) is not null) return true;
        }
        return false;
    }

    // Only the asked-for value is read: exec asks every file for security.capability.
    public override byte[]? GetXattr(string name) => Guarded(() => Image.GetXattr(Inode, name));

    public override byte[] ListXattrNames() => Guarded(() => Image.ListXattrNames(Inode)) ?? [];

    /// <summary>Looks a raw name up in an image directory; a corrupt image marks the package broken.</summary>
    private static SquashFsInode? Guarded(StorePackage package, SquashFsImage image, SquashFsInode directory, ReadOnlySpan<byte> name)
    {
        try
        {
            return image.Lookup(directory, name);
        }
        catch (SquashFsException e)
        {
            throw Broken(package, e);
        }
    }

    private T? Guarded<T>(Func<T?> read) where T : class
    {
        try
        {
            return read();
        }
        catch (SquashFsException e)
        {
            throw Broken(Package, e);
        }
    }

    private static BrokenImageException Broken(StorePackage package, SquashFsException e)
    {
        package.MarkBroken(e);
        return new BrokenImageException(e);
    }
}

/// <summary>A reader error already logged (once) against its package; the request answers EIO.</summary>
internal sealed class BrokenImageException(Exception inner) : Exception(inner.Message, inner);
