using Distri.Packages;
using Distri.Store.Repositories;

namespace Distri.Store.Install;

/// <summary>
/// What an install will fetch: the requested packages and their recorded runtime closures
/// (already transitive in the index, so no solving), minus what the store already has intact.
/// An installed package that fails the cheap re-check (<see cref="PackageStore.FindDamage"/>) is
/// fetched again. A dependency cycle among the packages to fetch is refused up front: none of
/// them could ever become visible.
/// </summary>
public sealed class InstallPlan
{
    private InstallPlan(IReadOnlyList<CatalogEntry> packages, IReadOnlyList<PackageFullName> alreadyInstalled, IReadOnlyList<Repair> repairs)
    {
        Packages = packages;
        AlreadyInstalled = alreadyInstalled;
        Repairs = repairs;
    }

    /// <summary>To download, dependencies before dependents (a closure is larger than each of its members' closures).</summary>
    public IReadOnlyList<CatalogEntry> Packages { get; }

    public IReadOnlyList<PackageFullName> AlreadyInstalled { get; }

    /// <summary>Installed packages among <see cref="Packages"/> that failed the re-check: hidden, then fetched again.</summary>
    public IReadOnlyList<Repair> Repairs { get; }

    public long TotalBytes => Packages.Sum(p => p.Entry.ImageSize + p.Entry.MetaSize);

    public static InstallPlan Create(PackageStore store, PackageCatalog catalog, IEnumerable<CatalogEntry> requested)
    {
        var damage = new Dictionary<PackageFullName, string?>();
        string? Damage(PackageFullName name) => damage.TryGetValue(name, out var d) ? d : damage[name] = store.FindDamage(name);
        bool Intact(PackageFullName name) => store.IsInstalled(name) && Damage(name) is null;

        var wanted = new Dictionary<PackageFullName, CatalogEntry>();
        var missing = new List<string>();
        // Closures are recorded transitively, so this usually adds nothing beyond the first level;
        // following every added entry still covers an index whose closures are incomplete.
        var work = new Queue<CatalogEntry>();
        foreach (var entry in requested)
        {
            if (wanted.TryAdd(entry.Name, entry)) work.Enqueue(entry);
        }
        while (work.TryDequeue(out var entry))
        {
            foreach (var dependency in entry.RuntimeDependencies)
            {
                if (wanted.ContainsKey(dependency)) continue;
                if (catalog.Find(dependency) is { } found)
                {
                    wanted.Add(dependency, found);
                    work.Enqueue(found);
                }
                else if (!store.IsInstalled(dependency)) missing.Add($"{entry.Name} needs {dependency}");
                else if (Damage(dependency) is { } why) missing.Add($"{entry.Name} needs {dependency}, whose installed copy is damaged ({why})");
            }
        }
        if (missing.Count > 0)
        {
            throw new StoreException($"no repository has these runtime dependencies: {string.Join("; ", missing)}; nothing installed");
        }
        var installed = wanted.Keys.Where(Intact).Order().ToList();
        var packages = wanted.Values
            .Where(e => !Intact(e.Name))
            .OrderBy(e => e.RuntimeDependencies.Count)
            .ThenBy(e => e.Name)
            .ToList();
        ThrowIfCycle(packages);
        var repairs = packages.Where(p => store.IsInstalled(p.Name)).Select(p => new Repair(p.Name, Damage(p.Name)!)).ToList();
        return new InstallPlan(packages, installed, repairs);
    }

    public static InstallPlan Create(PackageStore store, PackageCatalog catalog, IEnumerable<string> names) =>
        Create(store, catalog, catalog.ResolveAll(names));

    /// <summary>Depth-first over the packages to fetch (iteratively: a hostile index may chain thousands).</summary>
    private static void ThrowIfCycle(IReadOnlyList<CatalogEntry> packages)
    {
        var byName = packages.ToDictionary(p => p.Name);
        var finished = new HashSet<PackageFullName>();
        var onPath = new HashSet<PackageFullName>();
        var path = new List<PackageFullName>();
        var next = new Stack<int>();
        foreach (var start in packages.OrderBy(p => p.Name))
        {
            if (finished.Contains(start.Name)) continue;
            path.Add(start.Name);
            onPath.Add(start.Name);
            next.Push(0);
            while (path.Count > 0)
            {
                var dependencies = byName[path[^1]].RuntimeDependencies;
                var i = next.Pop();
                if (i == dependencies.Count)
                {
                    onPath.Remove(path[^1]);
                    finished.Add(path[^1]);
                    path.RemoveAt(path.Count - 1);
                    continue;
                }
                next.Push(i + 1);
                var dependency = dependencies[i];
                if (onPath.Contains(dependency))
                {
                    var cycle = path.Skip(path.IndexOf(dependency)).Append(dependency);
                    throw new StoreException($"cycle: {string.Join(" -> ", cycle)} (in the runtime dependencies of their metas); nothing installed");
                }
                if (finished.Contains(dependency) || !byName.ContainsKey(dependency)) continue;
                path.Add(dependency);
                onPath.Add(dependency);
                next.Push(0);
            }
        }
    }
}

/// <summary>An installed package that failed the re-check, and why.</summary>
public sealed record Repair(PackageFullName Package, string Damage);
