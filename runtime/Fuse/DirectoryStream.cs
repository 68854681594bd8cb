using Distri.Fuse.Store;

namespace Distri.Fuse;

/// <summary>One directory entry as readdir hands it to the kernel; the name is bytes (it need not be UTF-8).</summary>
internal readonly record struct ListedEntry(byte[] Name, ulong Ino, uint Mode);

/// <summary>
/// An open directory handle. Entries come from the image or the snapshot as readdir asks for them
/// and are never held as a whole: a listing that an image compresses a few hundred times would
/// otherwise be expanded in memory once per open handle. readdir's offset is an entry's index; going
/// on from where the last call stopped costs nothing, any other offset (seekdir) walks again from
/// the start, and an offset past the end simply finds nothing.
/// </summary>
internal sealed class DirectoryStream(Func<IEnumerable<ListedEntry>> entries, StorePackage? package)
{
    private IEnumerator<ListedEntry>? _cursor;
    private ListedEntry? _pending;

    /// <summary>The kernel serializes readdir per file, but nothing stops two threads sharing a handle.</summary>
    public Lock Lock { get; } = new();

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

    /// <summary>Forgets the walk (after an error, or on release); the next <see cref="Seek"/> starts over.</summary>
    public void Reset()
    {
        _cursor?.Dispose();
        _cursor = null;
        _pending = null;
        Position = 0;
    }
}
