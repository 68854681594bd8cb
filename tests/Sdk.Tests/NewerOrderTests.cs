using Distri.Fuse.Exchange;
using Distri.Packages;
using Distri.Store.Repositories;
using Distri.Tasks.BuildEnvironment;
using Distri.Testing;

namespace Sdk.Tests;

/// <summary>
/// One order of "newer" everywhere: with zsh 5.10-1 and 5.9-2 side by side, the build closure, the
/// store and /ro all pick 5.9-2 (the revision decides; a version change never lowers it).
/// </summary>
[TestClass]
public sealed class NewerOrderTests
{
    private static readonly PackageFullName Older = PackageFullName.Parse("zsh-amd64-5.10-1");
    private static readonly PackageFullName Newer = PackageFullName.Parse("zsh-amd64-5.9-2");

    [TestMethod]
    public void TheBuildClosurePicksTheHigherRevision()
    {
        using var temp = new TempDirectory("order");
        foreach (var full in new[] { Older, Newer })
            File.WriteAllText(Path.Combine(temp.Path, StoreLayout.MetaFileName(full)), Yaml.Serialize(new PackageMeta { Name = full.Name, Version = full.Version, Revision = full.Revision }));

        Assert.AreEqual(Newer, new PackageClosure(temp.Path).Newest("zsh"));
        Assert.AreEqual(Newer, PackageClosure.Order([Older, Newer]).First(), "the rpath order puts the newer first");
    }

    [TestMethod]
    public void TheStorePicksTheHigherRevision()
    {
        var catalog = new PackageCatalog();
        catalog.Add(new LocalRepository("/nonexistent"), new RepositoryIndex { Packages = [Entry(Older), Entry(Newer)] });

        Assert.AreEqual(Newer, catalog.Resolve("zsh")!.Name);
    }

    [TestMethod]
    public void RoPicksTheHigherRevision()
    {
        var merged = ExchangeMerge.Merge([(Older, [new ContributedEntry("zsh", false)]), (Newer, [new ContributedEntry("zsh", false)])]);

        Assert.AreEqual(Newer, merged["zsh"].Winner);
    }

    [TestMethod]
    public void FullNamesCompareByTheSameOrder() => Assert.IsTrue(Newer.CompareTo(Older) > 0);

    private static RepositoryIndexEntry Entry(PackageFullName full) => new()
    {
        FullName = full.ToString(), Name = full.Name, Arch = full.Arch, Version = full.Version, Revision = full.Revision,
        ImageSha256 = new string('a', 64), MetaSha256 = new string('b', 64),
    };
}
