using Distri.Store;
using Distri.Testing;
using Store.Tests.Fixtures;

namespace Store.Tests.Cli;

[TestClass]
public sealed class RescanTests
{
    [TestMethod]
    public void InstalledPackagesAreVisibleInAMountedRoWhenInstallReturns()
    {
        Requires.Fuse();
        using var temp = new TempDirectory("rescan");
        var repository = TestRepository.CreateStandard(temp["repo"]);
        var store = new PackageStore(temp["root"]);
        Directory.CreateDirectory(store.Directory);
        using var ro = RoMount.Start(store.Directory, temp.CreateDirectory("ro"));
        Assert.IsFalse(Directory.Exists(Path.Combine(ro.MountPoint, "zsh-amd64-5.9-2")));

        DistriCli.Check("install", "--root", store.Root, "--repo", repository.BasePath, "zsh");

        // No waiting: install returns only after the daemon answered that the rescan is live.
        foreach (var name in new[] { "zsh-amd64-5.9-2", "ncurses-amd64-6.4-1", "zlib-amd64-1.3-1" })
        {
            Assert.IsTrue(Directory.Exists(Path.Combine(ro.MountPoint, name)), $"{name} is not visible under the mount");
        }
    }
}
