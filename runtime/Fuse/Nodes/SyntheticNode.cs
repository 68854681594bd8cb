using System.Text;
using System.Text.Unicode;
using Distri.Fuse.Exchange;
using Distri.Fuse.Native;
using Distri.Fuse.Store;

namespace Distri.Fuse.Nodes;

/// <summary>
/// A node the daemon makes up rather than reads from an image: what it shows follows the current
/// snapshot, so the kernel gets it with short timeouts. Names here are all UTF-8 (packages,
/// exchange entries, extra directories). Synthetic nodes have no xattrs and no contents to read.
/// </summary>
internal abstract class SyntheticNode(ulong id, string key, SyntheticNodes table) : RoNode(id)
{
    protected const uint DirectoryMode = 0x4000 | 0b101_101_101; // dr-xr-xr-x
    protected const uint SymlinkMode = 0xA000 | 0b111_111_111;

    /// <summary>The table's key for this node (its kind and path).</summary>
    public string Key { get; } = key;

    /// <summary>The lookups the kernel holds; guarded by the table's lock.</summary>
    public long Lookups { get; set; }

    protected SyntheticNodes Table { get; } = table;

    /// <summary>The node's attributes now, or false and the errno when it is gone (an exchange link whose name left).</summary>
    public abstract bool TryStat(StoreSnapshot snapshot, out Stat stat, out int errno);

    public sealed override void Lookup(FuseRequest request, StoreSnapshot snapshot, ReadOnlySpan<byte> name)
    {
        // Bytes that do not decode name nothing here.
        if (Utf8.IsValid(name)) Lookup(request, snapshot, Encoding.UTF8.GetString(name), name);
        else request.ReplyError(Errno.ENOENT);
    }

    /// <summary>Looks up <paramref name="name"/>; <paramref name="utf8"/> is the same name as the kernel sent it.</summary>
    protected abstract void Lookup(FuseRequest request, StoreSnapshot snapshot, string name, ReadOnlySpan<byte> utf8);

    public override void GetAttr(FuseRequest request, StoreSnapshot snapshot)
    {
        if (TryStat(snapshot, out var stat, out var errno)) request.ReplyAttr(stat, ChangingTimeout);
        else request.ReplyError(errno);
    }

    public override void ReadLink(FuseRequest request, StoreSnapshot snapshot) => request.ReplyError(Errno.EINVAL);

    public override void Open(FuseRequest request) => request.ReplyError(Errno.EISDIR);

    public override void Read(FuseRequest request, int size, long offset) => request.ReplyError(Errno.EISDIR);

    public override byte[]? GetXattr(string name) => null;

    public override byte[] ListXattrNames() => [];

    /// <summary>Answers a lookup with <paramref name="child"/>, which the table counted as looked up.</summary>
    protected void ReplyEntry(FuseRequest request, StoreSnapshot snapshot, SyntheticNode child)
    {
        if (!child.TryStat(snapshot, out var stat, out var errno))
        {
            Table.Forget(child.Id, 1);
            request.ReplyError(errno);
            return;
        }
        var entry = new FuseEntryParam { Ino = child.Id, Attr = stat, AttrTimeout = ChangingTimeout, EntryTimeout = ChangingTimeout };
        request.ReplyEntry(entry);
    }

    /// <summary>
    /// Attributes dated when <paramref name="snapshot"/> was taken: the kernel keeps directory
    /// listings and drops one whose directory's mtime moved, so even a listing read while a rescan
    /// went on is not kept past it.
    /// </summary>
    protected Stat NewStat(StoreSnapshot snapshot, uint mode, ulong links)
    {
        var taken = snapshot.Taken;
        var time = new Timespec { Seconds = taken.ToUnixTimeSeconds(), Nanoseconds = taken.Ticks % TimeSpan.TicksPerSecond * 100 };
        return new Stat { Ino = Id, Nlink = links, Mode = mode, BlockSize = 4096, Atime = time, Mtime = time, Ctime = time };
    }

    protected static ListedEntry Entry(string name, ulong ino, uint mode) => new(Encoding.UTF8.GetBytes(name), ino, mode);
}

/// <summary>A synthetic directory: always there once made.</summary>
internal abstract class SyntheticDirectory(ulong id, string key, SyntheticNodes table) : SyntheticNode(id, key, table)
{
    public override bool TryStat(StoreSnapshot snapshot, out Stat stat, out int errno)
    {
        stat = NewStat(snapshot, DirectoryMode, links: 2);
        errno = 0;
        return true;
    }
}

/// <summary>/ro itself: the global exchange directories, the extra directories and one directory per package.</summary>
internal sealed class RootNode(SyntheticNodes table) : SyntheticDirectory(SyntheticNodes.RootId, "", table)
{
    protected override void Lookup(FuseRequest request, StoreSnapshot snapshot, string name, ReadOnlySpan<byte> utf8)
    {
        if (StoreSnapshot.ExchangeRoots.Contains(name, StringComparer.Ordinal))
        {
            ReplyEntry(request, snapshot, Table.LookUpExchangeEntry(name, isDirectory: true));
        }
        else if (Table.ExtraDirectories.Contains(name))
        {
            ReplyEntry(request, snapshot, Table.LookUpExtraDirectory(name));
        }
        else if (snapshot.Packages.TryGetValue(name, out var package))
        {
            if (package.Node(0, out var errno) is not { } root)
            {
                request.ReplyError(errno);
                return;
            }
            snapshot.HandOut(Id, utf8);
            ImageNode.ReplyEntry(request, root, ChangingTimeout);
        }
        else
        {
            request.ReplyError(Errno.ENOENT);
        }
    }

    public override DirectoryStream OpenDirectory(StoreSnapshot snapshot, out int errno)
    {
        errno = 0;
        return new DirectoryStream(() => DirectoryStream.WithDots(Id, Entries(snapshot)), null);
    }

    // The store's own listing: as many entries as there are packages, so it is built per walk.
    private IEnumerable<ListedEntry> Entries(StoreSnapshot snapshot)
    {
        var names = new SortedDictionary<string, ulong>(StringComparer.Ordinal);
        foreach (var name in StoreSnapshot.ExchangeRoots) names[name] = Table.ListedExchangeEntry(name, isDirectory: true);
        foreach (var name in Table.ExtraDirectories) names[name] = Table.ListedExtraDirectory(name);
        foreach (var package in snapshot.Packages.Values) names.TryAdd(package.Name, package.RootNodeId);
        foreach (var (name, id) in names) yield return Entry(name, id, DirectoryMode);
    }
}

/// <summary>A merged exchange directory (<c>bin</c>, <c>share/man/man1</c>): the union of the packages' <c>out/&lt;path&gt;</c>.</summary>
internal sealed class ExchangeDirectoryNode(ulong id, string path, string key, SyntheticNodes table) : SyntheticDirectory(id, key, table)
{
    protected override void Lookup(FuseRequest request, StoreSnapshot snapshot, string name, ReadOnlySpan<byte> utf8)
    {
        var listing = snapshot.Exchange(path);
        if (listing is null || !listing.TryGetValue(name, out var entry))
        {
            request.ReplyError(Errno.ENOENT);
            return;
        }
        snapshot.HandOut(Id, utf8);
        ReplyEntry(request, snapshot, Table.LookUpExchangeEntry(path + "/" + name, entry.IsDirectory));
    }

    public override DirectoryStream? OpenDirectory(StoreSnapshot snapshot, out int errno)
    {
        var exchange = snapshot.Exchange(path);
        errno = exchange is null ? Errno.ENOENT : 0;
        return exchange is null ? null : new DirectoryStream(() => DirectoryStream.WithDots(Id, Entries(exchange)), null);
    }

    // The merged listing is the snapshot's, shared by every handle; ids are looked up as entries go out.
    private IEnumerable<ListedEntry> Entries(SortedDictionary<string, ExchangeEntry> exchange)
    {
        foreach (var (name, entry) in exchange)
        {
            var id = Table.ListedExchangeEntry(path + "/" + name, entry.IsDirectory);
            yield return Entry(name, id, entry.IsDirectory ? DirectoryMode : SymlinkMode);
        }
    }
}

/// <summary>A name in an exchange directory that links to the winning package's file: <c>/ro/bin/zsh -> ../zsh-amd64-5.9-1/out/bin/zsh</c>.</summary>
internal sealed class ExchangeLinkNode(ulong id, string path, string key, SyntheticNodes table) : SyntheticNode(id, key, table)
{
    public override bool TryStat(StoreSnapshot snapshot, out Stat stat, out int errno)
    {
        stat = default;
        errno = Errno.ENOENT;
        if (Target(snapshot) is not { } target) return false;
        stat = NewStat(snapshot, SymlinkMode, links: 1);
        stat.Size = Encoding.UTF8.GetByteCount(target);
        errno = 0;
        return true;
    }

    protected override void Lookup(FuseRequest request, StoreSnapshot snapshot, string name, ReadOnlySpan<byte> utf8) =>
        request.ReplyError(Errno.ENOTDIR);

    public override void ReadLink(FuseRequest request, StoreSnapshot snapshot)
    {
        if (Target(snapshot) is { } target) request.ReplyReadlink(target);
        else request.ReplyError(Errno.ENOENT);
    }

    public override DirectoryStream? OpenDirectory(StoreSnapshot snapshot, out int errno)
    {
        errno = Errno.ENOTDIR;
        return null;
    }

    /// <summary>The link's target in <paramref name="snapshot"/>, or null if the name is gone.</summary>
    private string? Target(StoreSnapshot snapshot)
    {
        var slash = path.LastIndexOf('/');
        var directory = path[..slash];
        var name = path[(slash + 1)..];
        var listing = snapshot.Exchange(directory);
        if (listing is null || !listing.TryGetValue(name, out var entry) || entry.IsDirectory) return null;
        return ExchangeMerge.LinkTarget(directory, name, entry.Winner);
    }
}

/// <summary>An empty directory at the root (<c>--extra-dir</c>): the build binds the package's destination over it.</summary>
internal sealed class ExtraDirectoryNode(ulong id, string key, SyntheticNodes table) : SyntheticDirectory(id, key, table)
{
    protected override void Lookup(FuseRequest request, StoreSnapshot snapshot, string name, ReadOnlySpan<byte> utf8) =>
        request.ReplyError(Errno.ENOENT);

    public override DirectoryStream OpenDirectory(StoreSnapshot snapshot, out int errno)
    {
        errno = 0;
        return new DirectoryStream(() => DirectoryStream.WithDots(Id, []), null);
    }
}
