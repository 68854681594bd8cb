using Distri.SquashFs;

namespace Distri.Fuse.Store;

/// <summary>How a <see cref="StorePackage"/> gets its image and gives it back: opened for it alone (<see cref="Direct"/>), or shared.</summary>
internal class ImageOpener
{
    public static readonly ImageOpener Direct = new();

    /// <exception cref="SquashFsException">The image is not one we can read (and IOException and friends).</exception>
    public virtual SquashFsImage Open(string path, FileIdentity? identity) => SquashFsImage.Open(path);

    public virtual void Release(SquashFsImage image) => image.Dispose();
}

/// <summary>
/// The view daemon's images, shared by its views: the builds' stores link to the same repository
/// files, so a package in many closures is opened once (by file identity), and an image no view
/// uses stays open for the next build, up to <see cref="KeepUnused"/> of them. Opening the 50
/// images of a closure and reading their directories is most of what a fresh view's first
/// command waits for. <see cref="Trim"/> closes unused images whose file changed or went (a
/// rebuilt package), so a deleted image's space is not held.
/// </summary>
internal sealed class SharedImages : ImageOpener, IDisposable
{
    public const int KeepUnused = 512;

    private sealed class Entry(SquashFsImage image, string path)
    {
        public SquashFsImage Image { get; } = image;
        public string Path { get; } = path;
        public int Users { get; set; }
        public long LastUse { get; set; }
    }

    private readonly Dictionary<FileIdentity, Entry> _entries = [];
    private readonly Dictionary<SquashFsImage, FileIdentity> _identities = new(ReferenceEqualityComparer.Instance);
    private long _clock;

    public override SquashFsImage Open(string path, FileIdentity? identity)
    {
        if (identity is not { } key) return base.Open(path, identity);
        lock (_entries)
        {
            if (!_entries.TryGetValue(key, out var entry))
            {
                entry = new Entry(SquashFsImage.Open(path), path);
                _entries[key] = entry;
                _identities[entry.Image] = key;
            }
            entry.Users++;
            entry.LastUse = ++_clock;
            return entry.Image;
        }
    }

    public override void Release(SquashFsImage image)
    {
        lock (_entries)
        {
            if (!_identities.TryGetValue(image, out var key))
            {
                image.Dispose(); // opened unshared
                return;
            }
            _entries[key].Users--;
        }
        Trim(checkFiles: false);
    }

    /// <summary>Closes the least recently used unused images beyond <see cref="KeepUnused"/>, and (<paramref name="checkFiles"/>, a stat each) unused ones whose file is no longer the one opened.</summary>
    public void Trim(bool checkFiles = true)
    {
        List<SquashFsImage> closing = [];
        lock (_entries)
        {
            var unused = _entries.Where(e => e.Value.Users <= 0).OrderBy(e => e.Value.LastUse).ToList();
            var surplus = Math.Max(0, unused.Count - KeepUnused);
            foreach (var (key, entry) in unused)
            {
                if (surplus-- > 0 || checkFiles && FileIdentity.Of(entry.Path) != key)
                {
                    _entries.Remove(key);
                    _identities.Remove(entry.Image);
                    closing.Add(entry.Image);
                }
            }
        }
        foreach (var image in closing) image.Dispose();
    }

    public void Dispose()
    {
        lock (_entries)
        {
            foreach (var entry in _entries.Values) entry.Image.Dispose();
            _entries.Clear();
            _identities.Clear();
        }
    }
}
