using Distri.Fuse.Store;
using Distri.Packages;
using Distri.Testing;

namespace Fuse.Tests.Store;

[TestClass]
public sealed class StoreScannerTests
{
    [TestMethod]
    public void OnlyParsableImageNamesArePackagesAndImagesAreNotOpened()
    {
        using var temp = new TempDirectory("fuse-scan");
        foreach (var name in new[] { "zsh-amd64-5.9-1.squashfs", ".zsh-amd64-5.9-2.squashfs.tmp", "zsh-amd64-5.9-2.squashfs.part", "bad name-amd64-1-1.squashfs", "x.squashfs", "zsh-amd64-5.9-3.meta.yaml" })
            File.WriteAllText(temp[name], "not an image");
        var log = new List<string>();
        var snapshot = new StoreScanner(temp.Path, null, log.Add).Scan();
        CollectionAssert.AreEqual(new[] { "zsh-amd64-5.9-1" }, snapshot.Packages.Keys.ToArray());
        Assert.AreEqual(0, log.Count, "scanning must not open images: " + string.Join('\n', log));
    }

    [TestMethod]
    public void PkgsRestrictsTheSnapshot()
    {
        using var temp = new TempDirectory("fuse-scan-pkgs");
        File.WriteAllText(temp["a-amd64-1-1.squashfs"], "");
        File.WriteAllText(temp["b-amd64-1-1.squashfs"], "");
        var snapshot = new StoreScanner(temp.Path, new HashSet<string> { "b-amd64-1-1", "c-amd64-1-1" }, _ => { }).Scan();
        CollectionAssert.AreEqual(new[] { "b-amd64-1-1" }, snapshot.Packages.Keys.ToArray());
    }

    [TestMethod]
    public void ExchangeDirectoriesThatClimbOutOfOutAreIgnored()
    {
        using var temp = new TempDirectory("fuse-scan-meta");
        var name = PackageFullName.Parse("plugin-amd64-1-1");
        File.WriteAllText(temp[StoreLayout.ImageFileName(name)], "");
        var meta = new PackageMeta
        {
            Name = name.Name, Arch = name.Arch, Version = name.Version, Revision = name.Revision,
            ExchangeDirectories =
            [
                new ExchangeDirectory { Directory = "lib/host/modules/", Host = "host" },
                new ExchangeDirectory { Directory = "../../etc", Host = "host" },
                new ExchangeDirectory { Directory = "lib", Host = "../host" },
            ],
        };
        File.WriteAllText(temp[StoreLayout.MetaFileName(name)], Yaml.Serialize(meta));
        var log = new List<string>();
        var package = new StoreScanner(temp.Path, null, log.Add).Scan().Packages["plugin-amd64-1-1"];
        Assert.AreEqual(1, package.Joins.Count);
        Assert.AreEqual("lib/host/modules", package.Joins[0].Directory);
        Assert.AreEqual(2, log.Count, string.Join('\n', log));
    }

    [TestMethod]
    public void AMalformedMetaOnlyLosesItsExchangeDirectories()
    {
        using var temp = new TempDirectory("fuse-scan-badmeta");
        File.WriteAllText(temp["a-amd64-1-1.squashfs"], "");
        // Only the exchange-directory part of a meta matters to /ro (installs verify whole metas).
        File.WriteAllText(temp["a-amd64-1-1.meta.yaml"], "name: a\nexchangeDirectories: [unclosed");
        var log = new List<string>();
        var snapshot = new StoreScanner(temp.Path, null, log.Add).Scan();
        Assert.AreEqual(0, snapshot.Packages["a-amd64-1-1"].Joins.Count);
        Assert.AreEqual(1, log.Count);
    }

    [TestMethod]
    [DataRow("exchangeDirectories: ~\n")]
    [DataRow("exchangeDirectories:\n- ~\n")]
    [DataRow("exchangeDirectories:\n- directory: ~\n  host: ~\n")]
    [DataRow("exchangeDirectories: {directory: x}\n")]
    public void AMetaWithNullsOrTheWrongShapeOnlyLosesItsExchangeDirectories(string exchange)
    {
        using var temp = new TempDirectory("fuse-scan-nullmeta");
        File.WriteAllText(temp["a-amd64-1-1.squashfs"], "");
        File.WriteAllText(temp["a-amd64-1-1.meta.yaml"], "name: a\n" + exchange);
        var log = new List<string>();
        var snapshot = new StoreScanner(temp.Path, null, log.Add).Scan();
        Assert.AreEqual(0, snapshot.Packages["a-amd64-1-1"].Joins.Count);
        Assert.IsLessThanOrEqualTo(1, log.Count, "logged at most once: " + string.Join('\n', log));
    }

    [TestMethod]
    public void AChangedImageFileBecomesANewPackageAndTheOldOneIsRetired()
    {
        using var temp = new TempDirectory("fuse-scan-identity");
        File.WriteAllText(temp["a-amd64-1-1.squashfs"], "first");
        var scanner = new StoreScanner(temp.Path, null, _ => { });
        var first = scanner.Scan().Packages["a-amd64-1-1"];
        Assert.AreSame(first, scanner.Scan().Packages["a-amd64-1-1"], "an unchanged file is the same package");

        File.AppendAllText(temp["a-amd64-1-1.squashfs"], " and more"); // a copy still under way
        var second = scanner.Scan().Packages["a-amd64-1-1"];
        Assert.AreNotSame(first, second);
        Assert.AreNotEqual(first.Slot, second.Slot, "new node ids: the kernel must not mix old and new contents");
        scanner.RetireLeft();
        Assert.IsNull(scanner.BySlot(first.Slot), "nothing of the old one was handed to the kernel, so it is closed at once");
        Assert.AreSame(second, scanner.BySlot(second.Slot));
    }
}
