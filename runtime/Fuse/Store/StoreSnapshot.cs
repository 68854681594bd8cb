using System.Collections.Concurrent;
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
    private readonly ConcurrentDictionary<string, SortedDictionary<string, ExchangeEntry>?> _exchange = new(StringComparer.Ordinal);
    private readonly Lazy<Dictionary<ulong, JoinedDirectory[]>> _joins;

    public StoreSnapshot(long generation, IEnumerable<StorePackage> packages, Action<string> log)
    {
        Generation = generation;
        _log = log;
        Packages = packages.ToDictionary(p => p.Name, StringComparer.Ordinal);
        ByPriority = [.. Packages.Values.OrderBy(p => p.FullName, PackagePriority.Instance)];
        _joins = new Lazy<Dictionary<ulong, JoinedDirectory[]>>(ResolveJoins, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public long Generation { get; }

    /// <summary>
    /// Dentries the kernel got from this snapshot with short timeouts ((parent, name) of /ro's
    /// root, exchange and joined directories): the next rescan invalidates them so a change is
    /// visible as soon as the rescan returns.
    /// </summary>
    public ConcurrentDictionary<(ulong Parent, string Name), byte> HandedOut { get; } = new();

    public IReadOnlyDictionary<string, StorePackage> Packages { get; }

    /// <summary>Visible packages, the winner of any conflict first.</summary>
    public IReadOnlyList<StorePackage> ByPriority { get; }

    /// <summary>
    /// The merged exchange directory at <paramref name="path"/> ("bin", "share/man/man1"), or null
    /// when that path is not a directory in the merged view.
    /// </summary>
    public SortedDictionary<string, ExchangeEntry>? Exchange(string path) => _exchange.GetOrAdd(path, ComputeExchange);

    private SortedDictionary<string, ExchangeEntry>? ComputeExchange(string path)
    {
        var slash = path.LastIndexOf('/');
        if (slash < 0)
        {
            if (!ExchangeRoots.Contains(path, StringComparer.Ordinal)) return null;
        }
        else
        {
            var parent = Exchange(path[..slash]);
            if (parent is null || !parent.TryGetValue(path[(slash + 1)..], out var self) || !self.IsDirectory) return null;
        }
        var contributions = new List<(PackageFullName, IEnumerable<ContributedEntry>)>();
        foreach (var package in ByPriority)
        {
            var listing = ListDirectory(package, "out/" + path);
            if (listing is not null) contributions.Add((package.FullName, listing));
        }
        return ExchangeMerge.Merge(contributions);
    }

    /// <summary>A package's directory at <paramref name="path"/>, or null if absent, not a directory, or unreadable.</summary>
    private static List<ContributedEntry>? ListDirectory(StorePackage package, string path)
    {
        var image = package.Image;
        if (image is null) return null;
        try
        {
            var directory = image.Lookup(path);
            if (directory is null || directory.Type != SquashFsEntryType.Directory) return null;
            return [.. image.ReadDirectory(directory).Select(e => new ContributedEntry(e.Name, e.Type == SquashFsEntryType.Directory))];
        }
        catch (SquashFsException e)
        {
            package.MarkBroken(e);
            return null;
        }
    }

    /// <summary>Plugin directories joined into the host directory node <paramref name="hostDirectory"/>, best first; empty if none.</summary>
    public JoinedDirectory[] JoinedInto(ulong hostDirectory) =>
        _joins.Value.TryGetValue(hostDirectory, out var joined) ? joined : [];

    public bool HasJoins => _joins.Value.Count > 0;

    public IEnumerable<KeyValuePair<ulong, JoinedDirectory[]>> AllJoins => _joins.Value;

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
                    var id = host.Remember(hostDirectory, hostImage);
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
