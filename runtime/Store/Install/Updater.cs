using Distri.Packages;
using Distri.Store.Repositories;

namespace Distri.Store.Install;

/// <summary>
/// <c>distri update</c>: for every installed name-arch, the newest revision the repositories
/// offer when it is newer than the newest installed one. Old revisions stay (rolling back is
/// removing the new ones); the install engine does the rest, new runtime deps included.
/// Every installed package is re-checked on the way (<see cref="PackageStore.FindDamage"/>):
/// a damaged one the repositories still offer is fetched again.
/// </summary>
public static class Updater
{
    public sealed record Result(InstallPlan Plan, IReadOnlyList<string> Warnings);

    public static Result Plan(PackageStore store, PackageCatalog catalog)
    {
        var requested = new List<CatalogEntry>();
        var warnings = new List<string>();
        foreach (var group in store.Installed().GroupBy(n => n.NameAndArch))
        {
            var installed = group.Max(PackageOrder.Newer);
            if (catalog.Newest(group.Key) is { } offered && PackageOrder.Newer.Compare(offered.Name, installed) > 0)
            {
                requested.Add(offered);
            }
            foreach (var name in group)
            {
                if (store.FindDamage(name) is not { } damage) continue;
                if (catalog.Find(name) is { } again) requested.Add(again);
                else warnings.Add($"{name} is damaged ({damage}) and no repository offers it again");
            }
        }
        return new Result(InstallPlan.Create(store, catalog, requested), warnings);
    }
}
