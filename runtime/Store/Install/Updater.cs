using Distri.Packages;
using Distri.Store.Repositories;

namespace Distri.Store.Install;

/// <summary>
/// <c>distri update</c>: for every installed name-arch, the newest revision the repositories
/// offer when it is newer than the newest installed one. Old revisions stay (rolling back is
/// removing the new ones); the install engine does the rest, new runtime deps included.
/// </summary>
public static class Updater
{
    public static InstallPlan Plan(PackageStore store, PackageCatalog catalog)
    {
        var newer = new List<CatalogEntry>();
        foreach (var group in store.Installed().GroupBy(n => n.NameAndArch))
        {
            var installed = group.Max(PackageOrder.Newer);
            if (catalog.Newest(group.Key) is { } offered && PackageOrder.Newer.Compare(offered.Name, installed) > 0)
            {
                newer.Add(offered);
            }
        }
        return InstallPlan.Create(store, catalog, newer);
    }
}
