using Distri.Fuse.Store;

namespace Distri.Fuse;

/// <summary>
/// One directory entry as readdir hands it to the kernel; the name is bytes (it need not be UTF-8).
/// An entry of an immutable image directory also names its package and inode, so readdirplus can
/// hand it out with its attributes and the kernel need not look it up.
/// </summary>
internal readonly record struct ListedEntry(byte[] Name, ulong Ino, uint Mode, StorePackage? Package = null, long InodeReference = 0);

/// <summary>
/// A walk through one directory's listing. Entries come from the image or the snapshot as readdir
/// asks for them and are never held as a whole: a listing that an image compresses a few hundred
/// times would otherwise be expanded in memory once per reader. readdir's offset is an entry's
/// index; going on from where the last call stopped costs nothing, any other offset (seekdir) walks
/// again from the start, and an offset past the end simply finds nothing.
/// </summary>
internal sealed class DirectoryStream(Func<IEnumerable<ListedEntry>> entries, StorePackage? package)
{
    private IEnumerator<ListedEntry>? _cursor;
    private ListedEntry? _pending;

    /// <summary>The package whose image the entries come from, to mark broken if reading fails.</summary>
    public StorePackage? Package => package;

    /// <summary>The index of the entry <see cref="TryPeek"/> returns.</summary>
    public long Position { get; private set; }

    /// <summary>Positions the stream at entry <paramref name="offset"/> (or at the end, if there are fewer).</summary>
    public void Seek(long offset)
    {
        if (_cursor is not null && offset == Position) return;
        Reset();
        _cursor = entries().GetEnumerator();
        while (Position < offset && TryPeek(out _)) Advance();
    }

    /// <summary>The entry at <see cref="Position"/>, without moving past it (it may not fit in this reply).</summary>
    public bool TryPeek(out ListedEntry entry)
    {
        if (_pending is null && _cursor!.MoveNext()) _pending = _cursor.Current;
        entry = _pending.GetValueOrDefault();
        return _pending is not null;
    }

    public void Advance()
    {
        _pending = null;
        Position++;
    }

    private static readonly byte[] Dot = "."u8.ToArray();
    private static readonly byte[] DotDot = ".."u8.ToArray();
    private const uint DirectoryType = 0x4000; // S_IFDIR: what readdir tells of "." and ".."

    /// <summary>A directory's listing as readdir shows it: "." and ".." first.</summary>
    public static IEnumerable<ListedEntry> WithDots(ulong self, IEnumerable<ListedEntry> entries)
    {
        yield return new ListedEntry(Dot, self, DirectoryType);
        yield return new ListedEntry(DotDot, Nodes.SyntheticNodes.RootId, DirectoryType);
        foreach (var entry in entries) yield return entry;
    }

    /// <summary>Forgets the walk (after an error, or when dropped); the next <see cref="Seek"/> starts over.</summary>
    public void Reset()
    {
        _cursor?.Dispose();
        _cursor = null;
        _pending = null;
        Position = 0;
    }
}

/// <summary>
/// Directory walks between readdir calls. The kernel opens directories without asking us
/// (zero-message opendir), so no handle ties one reader's calls together: a walk that stopped
/// before entry n is parked under (directory, n) and the call for that offset takes it and goes on.
/// Any other offset starts a new walk. At most <see cref="MaxParked"/> wait, so walks a reader
/// abandoned halfway cost a bounded amount of memory.
/// </summary>
internal sealed class DirectoryStreams
{
    private const int MaxParked = 256;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(ulong Directory, long Offset), DirectoryStream> _parked = new();

    /// <summary>The walk of <paramref name="directory"/> that stopped before entry <paramref name="offset"/>, now owned by the caller; or null.</summary>
    public DirectoryStream? Take(ulong directory, long offset) => _parked.TryRemove((directory, offset), out var stream) ? stream : null;

    /// <summary>Keeps <paramref name="stream"/> for the call that goes on from its position.</summary>
    public void Park(ulong directory, DirectoryStream stream)
    {
        if (_parked.Count >= MaxParked)
        {
            foreach (var key in _parked.Keys.Take(MaxParked / 4))
                if (_parked.TryRemove(key, out var evicted)) evicted.Reset();
        }
        if (!_parked.TryAdd((directory, stream.Position), stream)) stream.Reset();
    }
}
