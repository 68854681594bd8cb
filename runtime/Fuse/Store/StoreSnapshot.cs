using System.Collections.Concurrent;
using System.Text;
using System.Text.Unicode;
using Distri.Fuse.Exchange;
using Distri.Packages;
using Distri.SquashFs;

namespace Distri.Fuse.Store;

/// <summary>A plugin's directory shown inside its host's directory.</summary>
internal readonly record struct JoinedDirectory(StorePackage Plugin, SquashFsInode Directory);

/// <summary>
/// What /ro shows at one moment: the visible packages and, computed lazily and cached until the
/// next rescan replaces the snapshot, the merged exchange directories and the per-package joins.
/// Immutable once built apart from those caches, so request threads share it without locks.
/// </summary>
internal sealed class StoreSnapshot
{
    /// <summary>The global exchange directories, each the union of the packages' <c>out/&lt;name&gt;</c>.</summary>
    public static readonly string[] ExchangeRoots = ["bin", "include", "lib", "sbin", "share"];

    private readonly Action<string> _log;
    private readonly ConcurrentDictionary<string, MergedDirectory?> _exchange = new(StringComparer.Ordinal);
    private readonly Lazy<Dictionary<ulong, JoinedDirectory[]>> _joins;

    public StoreSnapshot(long generation, IEnumerable<StorePackage> packages, Action<string> log)
    {
        Generation = generation;
        _log = log;
        // Full names have one spelling, so two store files never make one package; should that
        // ever break, the first wins rather than the daemon dying on store content.
        var byName = new Dictionary<string, StorePackage>(StringComparer.Ordinal);
        foreach (var package in packages) byName.TryAdd(package.Name, package);
        Packages = byName;
        ByPriority = [.. Packages.Values.OrderByDescending(p => p.FullName, PackageOrder.Newer)];
        _joins = new Lazy<Dictionary<ulong, JoinedDirectory[]>>(ResolveJoins, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public long Generation { get; }

    /// <summary>When the scan was made: the time synthetic directories show, so their mtime moves with every rescan.</summary>
    public DateTimeOffset Taken { get; } = DateTimeOffset.UtcNow;

    /// <summary>
    /// Dentries the kernel got from this snapshot with short timeouts ((parent, name) of /ro's
    /// root, exchange and joined directories): the next rescan invalidates them so a change is
    /// visible as soon as the rescan returns. Names are the kernel's bytes widened one char per byte
    /// (Latin-1), so names that are not UTF-8 key the set losslessly; see <see cref="HandOut"/>.
    /// </summary>
    public ConcurrentDictionary<(ulong Parent, string NameBytes), byte> HandedOut { get; } = new();

    /// <summary>Records that the kernel got dentry <paramref name="name"/> in <paramref name="parent"/> with a short timeout.</summary>
    public void HandOut(ulong parent, ReadOnlySpan<byte> name) => HandedOut.TryAdd((parent, Encoding.Latin1.GetString(name)), 0);

    public IReadOnlyDictionary<string, StorePackage> Packages { get; }

    /// <summary>Visible packages, the winner of any conflict first.</summary>
    public IReadOnlyList<StorePackage> ByPriority { get; }

    /// <summary>
    /// The merged exchange directory at <paramref name="path"/> ("bin", "share/man/man1"), or null
    /// when that path is not a directory in the merged view.
    /// </summary>
    public SortedDictionary<string, ExchangeEntry>? Exchange(string path) => Merged(path)?.Entries;

    private MergedDirectory? Merged(string path) => _exchange.GetOrAdd(path, ComputeExchange);

    private MergedDirectory? ComputeExchange(string path)
    {
        // Only packages that have the parent as a directory can have the child: deep directories
        // (share/man/man1) look into a few images, not all of them.
        IReadOnlyList<StorePackage> candidates;
        var slash = path.LastIndexOf('/');
        if (slash < 0)
        {
            if (!ExchangeRoots.Contains(path, StringComparer.Ordinal)) return null;
            candidates = ByPriority;
        }
        else
        {
            var parent = Merged(path[..slash]);
            if (parent is null || !parent.Entries.TryGetValue(path[(slash + 1)..], out var self) || !self.IsDirectory) return null;
            candidates = parent.Contributors;
        }
        var contributions = new List<(PackageFullName, IEnumerable<ContributedEntry>)>();
        var contributors = new List<StorePackage>();
        foreach (var package in candidates)
        {
            var listing = ListDirectory(package, "out/" + path);
            if (listing is null) continue;
            contributions.Add((package.FullName, listing));
            contributors.Add(package);
        }
        return new MergedDirectory(ExchangeMerge.Merge(contributions), contributors);
    }

    /// <summary>A merged exchange directory and the packages (best first) that have it as a directory.</summary>
    private sealed record MergedDirectory(SortedDictionary<string, ExchangeEntry> Entries, IReadOnlyList<StorePackage> Contributors);

    /// <summary>A package's directory at <paramref name="path"/>, or null if absent, not a directory, or unreadable.</summary>
    private static List<ContributedEntry>? ListDirectory(StorePackage package, string path)
    {
        var image = package.Image;
        if (image is null) return null;
        try
        {
            var directory = ResolveDirectory(image, path);
            if (directory is null) return null;
            // Exchange paths are strings (they become link targets and synthetic node keys): a name
            // that is not UTF-8 stays reachable only under /ro/<full>/, never as a mangled link.
            return [.. image.ReadDirectoryRaw(directory)
                .Where(e => Utf8.IsValid(e.Name))
                .Select(e => (Name: Encoding.UTF8.GetString(e.Name), e.Type))
                .Where(e => IsPlainName(e.Name))
                .Select(e => new ContributedEntry(e.Name, e.Type == SquashFsEntryType.Directory))];
        }
        catch (SquashFsException e)
        {
            package.MarkBroken(e);
            return null;
        }
    }

    /// <summary>
    /// The directory at <paramref name="path"/>, walked one directory at a time without following
    /// symlinks (exchange directories never do), or null. A crafted image can make an entry point
    /// back at a directory above it; /ro/share would then go on forever, a new path at every level,
    /// so a directory met twice on one path is a corrupt image.
    /// </summary>
    private static SquashFsInode? ResolveDirectory(SquashFsImage image, string path)
    {
        var current = image.Root;
        var ancestors = new HashSet<long> { current.InodeReference };
        foreach (var name in path.Split('/'))
        {
            var next = image.Lookup(current, name);
            if (next is null || next.Type != SquashFsEntryType.Directory) return null;
            if (!ancestors.Add(next.InodeReference)) throw new SquashFsException($"corrupt image: directory loop at {path}");
            current = next;
        }
        return current;
    }

    /// <summary>
    /// A name a directory entry may have. A crafted image could hold ".", ".." or names with '/' or
    /// NUL; the kernel never asks for those, and in an exchange link they would climb elsewhere.
    /// </summary>
    public static bool IsPlainName(string name) => name.Length > 0 && name is not ("." or "..") && name.IndexOfAny(['/', '\0']) < 0;

    /// <summary>Plugin directories joined into the host directory node <paramref name="hostDirectory"/>, best first; empty if none.</summary>
    public JoinedDirectory[] JoinedInto(ulong hostDirectory) =>
        _joins.Value.TryGetValue(hostDirectory, out var joined) ? joined : [];

    public bool HasJoins => _joins.Value.Count > 0;

    public IEnumerable<KeyValuePair<ulong, JoinedDirectory[]>> AllJoins => _joins.Value;

    /// <summary>The host directories of this snapshot's joins, if anything asked for them (none otherwise, without opening images).</summary>
    public IEnumerable<ulong> JoinHosts => _joins.IsValueCreated ? _joins.Value.Keys : [];

    // A plugin joins the winning (highest priority) visible revision of its host, as PackageMeta says.
    private Dictionary<ulong, JoinedDirectory[]> ResolveJoins()
    {
        var result = new Dictionary<ulong, List<JoinedDirectory>>();
        foreach (var plugin in ByPriority)
        {
            foreach (var join in plugin.Joins)
            {
                var host = ByPriority.FirstOrDefault(p => p.FullName.Name == join.Host && p != plugin);
                if (host?.Image is not { } hostImage || plugin.Image is not { } pluginImage) continue;
                try
                {
                    var hostDirectory = hostImage.Lookup("out/" + join.Directory);
                    var pluginDirectory = pluginImage.Lookup("out/" + join.Directory);
                    if (hostDirectory?.Type != SquashFsEntryType.Directory || pluginDirectory?.Type != SquashFsEntryType.Directory) continue;
                    var id = host.Remember(hostDirectory, hostImage).Id;
                    plugin.Remember(pluginDirectory, pluginImage);
                    if (!result.TryGetValue(id, out var list)) result[id] = list = [];
                    list.Add(new JoinedDirectory(plugin, pluginDirectory));
                }
                catch (SquashFsException e)
                {
                    _log($"exchange directory {join.Directory} of {plugin.Name} into {host.Name}: {e.Message}");
                }
            }
        }
        return result.ToDictionary(kv => kv.Key, kv => kv.Value.ToArray());
    }
}
