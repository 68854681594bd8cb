using Distri.Packages;
using Distri.Store.Repositories;

namespace Distri.Store.Install;

/// <summary>
/// What an install will fetch: the requested packages and their recorded runtime closures
/// (already transitive in the index, so no solving), minus what the store already has.
/// </summary>
public sealed class InstallPlan
{
    private InstallPlan(IReadOnlyList<CatalogEntry> packages, IReadOnlyList<PackageFullName> alreadyInstalled)
    {
        Packages = packages;
        AlreadyInstalled = alreadyInstalled;
    }

    /// <summary>To download, dependencies before dependents (a closure is larger than each of its members' closures).</summary>
    public IReadOnlyList<CatalogEntry> Packages { get; }

    public IReadOnlyList<PackageFullName> AlreadyInstalled { get; }

    public long TotalBytes => Packages.Sum(p => p.Entry.ImageSize + p.Entry.MetaSize);

    public static InstallPlan Create(PackageStore store, PackageCatalog catalog, IEnumerable<CatalogEntry> requested)
    {
        var wanted = new Dictionary<PackageFullName, CatalogEntry>();
        var missing = new List<string>();
        foreach (var entry in requested)
        {
            wanted.TryAdd(entry.Name, entry);
            foreach (var dependency in entry.RuntimeDependencies)
            {
                if (wanted.ContainsKey(dependency)) continue;
                if (catalog.Find(dependency) is { } found) wanted.Add(dependency, found);
                else if (!store.IsInstalled(dependency)) missing.Add($"{entry.Name} needs {dependency}");
            }
        }
        if (missing.Count > 0)
        {
            throw new StoreException($"no repository has these runtime dependencies: {string.Join("; ", missing)}; nothing installed");
        }
        var installed = wanted.Keys.Where(store.IsInstalled).Order().ToList();
        var packages = wanted.Values
            .Where(e => !store.IsInstalled(e.Name))
            .OrderBy(e => e.RuntimeDependencies.Count)
            .ThenBy(e => e.Name)
            .ToList();
        return new InstallPlan(packages, installed);
    }

    public static InstallPlan Create(PackageStore store, PackageCatalog catalog, IEnumerable<string> names) =>
        Create(store, catalog, catalog.ResolveAll(names));
}
