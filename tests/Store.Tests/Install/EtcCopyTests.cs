using Distri.Store;
using Distri.Testing;
using Store.Tests.Fixtures;

namespace Store.Tests.Install;

[TestClass]
public sealed class EtcCopyTests
{
    [TestMethod]
    public async Task AFirstInstallCopiesTheImagesEtcOnlyWhereNoFileExistsAndReportsIt()
    {
        using var temp = new TempDirectory("etc");
        var repository = TestRepository.CreateStandard(temp["repo"]);
        var store = new PackageStore(temp["root"]);
        Directory.CreateDirectory(Path.Combine(store.Root, "etc", "ncurses"));
        File.WriteAllText(Path.Combine(store.Root, "etc", "ncurses", "config"), "mine\n");

        var result = await InstallTests.InstallAsync(store, [repository.BasePath], "zsh");

        CollectionAssert.AreEquivalent(new[] { "etc/zsh/config", "etc/zlib/config" }, result.EtcCopied.ToList());
        Assert.AreEqual("# zsh-amd64-5.9-2\n", File.ReadAllText(Path.Combine(store.Root, "etc", "zsh", "config")));
        Assert.AreEqual("mine\n", File.ReadAllText(Path.Combine(store.Root, "etc", "ncurses", "config")), "an existing file is never replaced");
    }

    [TestMethod]
    public async Task ASymlinkInTheTargetTreeIsNotFollowed()
    {
        using var temp = new TempDirectory("etc");
        var repository = TestRepository.CreateStandard(temp["repo"]);
        var store = new PackageStore(temp["root"]);
        var elsewhere = temp.CreateDirectory("elsewhere");
        Directory.CreateDirectory(Path.Combine(store.Root, "etc"));
        Directory.CreateSymbolicLink(Path.Combine(store.Root, "etc", "bash"), elsewhere);

        var result = await InstallTests.InstallAsync(store, [repository.BasePath], "bash");

        Assert.AreEqual(0, result.EtcCopied.Count);
        Assert.AreEqual(0, Directory.EnumerateFileSystemEntries(elsewhere).Count());
    }
}
