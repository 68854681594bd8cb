using Distri.Packages;

namespace Distri.Store.Gc;

/// <summary>
/// <c>distri gc</c>: removes revisions that are neither the newest of their name-arch nor in the
/// runtime closure of a kept package. Deletes the image first (the package stops being visible)
/// and the meta after, so nothing half-visible remains; metas orphaned by an interrupted install
/// go too. An unreadable meta of a kept package stops it: without it the closure is unknown.
/// </summary>
public static class GarbageCollector
{
    public sealed record Plan(IReadOnlyList<PackageFullName> Remove, IReadOnlyList<PackageFullName> OrphanMetas, IReadOnlyList<PackageFullName> Keep);

    public static Plan Compute(PackageStore store)
    {
        var installed = store.Installed();
        var keep = new HashSet<PackageFullName>();
        var work = new Stack<PackageFullName>(installed.GroupBy(n => n.NameAndArch).Select(g => g.Max(PackageOrder.Newer)));
        while (work.TryPop(out var name))
        {
            if (!keep.Add(name)) continue;
            foreach (var dependency in store.ReadMeta(name).RuntimeDependencies)
            {
                // Hostile or broken metas: only well-formed names that are installed matter.
                if (PackageFullName.TryParse(dependency, out var d) && store.IsInstalled(d) && !keep.Contains(d)) work.Push(d);
            }
        }
        var remove = installed.Where(n => !keep.Contains(n)).ToList();
        return new Plan(remove, store.OrphanMetas(), keep.Order().ToList());
    }

    /// <summary>Carries out <paramref name="plan"/>; call with the store locked.</summary>
    public static void Apply(PackageStore store, Plan plan)
    {
        foreach (var name in plan.Remove)
        {
            File.Delete(store.ImagePath(name));
            File.Delete(store.MetaPath(name));
        }
        foreach (var name in plan.OrphanMetas)
        {
            if (!store.IsInstalled(name)) File.Delete(store.MetaPath(name));
        }
    }
}
