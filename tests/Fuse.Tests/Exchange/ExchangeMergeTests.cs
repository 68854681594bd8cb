using Distri.Fuse.Exchange;
using Distri.Packages;

namespace Fuse.Tests.Exchange;

[TestClass]
public sealed class ExchangeMergeTests
{
    private static (PackageFullName, IEnumerable<ContributedEntry>) Has(string fullName, params string[] names) =>
        (PackageFullName.Parse(fullName), names.Select(n => n.EndsWith('/') ? new ContributedEntry(n.TrimEnd('/'), true) : new ContributedEntry(n, false)));

    [TestMethod]
    public void HighestRevisionWinsWhateverTheOrder()
    {
        var a = ExchangeMerge.Merge([Has("zsh-amd64-5.9-1", "zsh"), Has("zsh-amd64-5.8-3", "zsh")]);
        var b = ExchangeMerge.Merge([Has("zsh-amd64-5.8-3", "zsh"), Has("zsh-amd64-5.9-1", "zsh")]);
        Assert.AreEqual("zsh-amd64-5.8-3", a["zsh"].Winner.ToString());
        Assert.AreEqual(a["zsh"], b["zsh"]);
    }

    [TestMethod]
    public void EqualRevisionsAreDecidedByVersionThenFullName()
    {
        var byVersion = ExchangeMerge.Merge([Has("tool-amd64-1.9-2", "x"), Has("tool-amd64-1.10-2", "x")]);
        Assert.AreEqual("tool-amd64-1.10-2", byVersion["x"].Winner.ToString(), "1.10 is newer than 1.9");
        var byName = ExchangeMerge.Merge([Has("zeta-amd64-1-2", "x"), Has("alpha-amd64-1-2", "x")]);
        Assert.AreEqual("alpha-amd64-1-2", byName["x"].Winner.ToString(), "ordinally smaller full name wins a full tie");
    }

    [TestMethod]
    public void ADirectoryIsNeverShadowedByAFile()
    {
        var merged = ExchangeMerge.Merge([Has("new-amd64-1-9", "man"), Has("old-amd64-1-1", "man/")]);
        Assert.IsTrue(merged["man"].IsDirectory);
    }

    [TestMethod]
    public void NamesOfAllContributorsAreUnitedAndSorted()
    {
        var merged = ExchangeMerge.Merge([Has("b-amd64-1-1", "zz", "aa"), Has("a-amd64-1-1", "mm")]);
        CollectionAssert.AreEqual(new[] { "aa", "mm", "zz" }, merged.Keys.ToArray());
        Assert.AreEqual("a-amd64-1-1", merged["mm"].Winner.ToString());
    }

    [TestMethod]
    [DataRow("bin", "zsh", "../zsh-amd64-5.9-1/out/bin/zsh")]
    [DataRow("share/man/man1", "zsh.1", "../../../zsh-amd64-5.9-1/out/share/man/man1/zsh.1")]
    public void LinksAreRelativeToTheMountPoint(string directory, string name, string expected) =>
        Assert.AreEqual(expected, ExchangeMerge.LinkTarget(directory, name, PackageFullName.Parse("zsh-amd64-5.9-1")));

    [TestMethod]
    public void PriorityIsATotalOrderOverDistinctNames()
    {
        var names = new[] { "a-amd64-1-1", "a-amd64-2-1", "b-amd64-1-1", "a-amd64-1-2", "c-arm64-0.1-2" }.Select(PackageFullName.Parse).ToList();
        var sorted = names.OrderByDescending(n => n, PackageOrder.Newer).Select(n => n.ToString()).ToArray();
        CollectionAssert.AreEqual(new[] { "a-amd64-1-2", "c-arm64-0.1-2", "a-amd64-2-1", "a-amd64-1-1", "b-amd64-1-1" }, sorted);
    }
}
