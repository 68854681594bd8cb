using Distri.Packages;
using Distri.Store;
using Distri.Store.Gc;
using Distri.Store.Install;
using Distri.Store.Repositories;
using Distri.Testing;
using Store.Tests.Fixtures;
using Store.Tests.Install;

namespace Store.Tests.Maintenance;

[TestClass]
public sealed class UpdateAndGcTests
{
    private static async Task<InstallResult> UpdateAsync(PackageStore store, string location)
    {
        using var storeLock = await store.LockAsync();
        var catalog = await PackageCatalog.LoadAsync([Repository.Create(location, HttpRepository.CreateClient(4))]);
        return await new Installer(store).InstallAsync(Updater.Plan(store, catalog).Plan);
    }

    [TestMethod]
    public async Task UpdateInstallsTheNewestRevisionsWithNewRuntimeDepsAndKeepsTheOldOnes()
    {
        using var temp = new TempDirectory("update");
        var repository = TestRepository.CreateStandard(temp["repo"]);
        var store = new PackageStore(temp["root"]);
        await InstallTests.InstallAsync(store, [repository.BasePath], "zsh-amd64-5.8-1", "bash");
        repository.Add("pcre-amd64-10.42-1");
        repository.Add("zsh-amd64-5.9-3", 3000, "ncurses-amd64-6.4-1", "pcre-amd64-10.42-1", "zlib-amd64-1.3-1");
        repository.WriteIndex();

        var result = await UpdateAsync(store, repository.BasePath);

        CollectionAssert.AreEquivalent(new[] { "zsh-amd64-5.9-3", "pcre-amd64-10.42-1" }, result.Installed.Select(n => n.ToString()).ToList());
        StoreAssert.Installed(store, "zsh-amd64-5.8-1", "zsh-amd64-5.9-3", "pcre-amd64-10.42-1", "ncurses-amd64-6.4-1", "zlib-amd64-1.3-1", "bash-amd64-5.2-1");
        Assert.AreEqual(0, (await UpdateAsync(store, repository.BasePath)).Installed.Count, "a second update has nothing to do");
    }

    [TestMethod]
    public async Task GcRemovesOldRevisionsButKeepsThoseInTheClosureOfAKeptPackage()
    {
        using var temp = new TempDirectory("gc");
        var repository = new TestRepository(temp["repo"]);
        repository.Add("zlib-amd64-1.2-1");
        repository.Add("zlib-amd64-1.3-2");
        repository.Add("ncurses-amd64-6.3-1");
        repository.Add("ncurses-amd64-6.4-2");
        // The newest app still pins the old zlib: gc must keep it.
        repository.Add("app-amd64-1-1", 1000, "zlib-amd64-1.2-1", "ncurses-amd64-6.3-1");
        repository.Add("app-amd64-2-2", 1000, "zlib-amd64-1.2-1", "ncurses-amd64-6.4-2");
        repository.WriteIndex();
        var store = new PackageStore(temp["root"]);
        await InstallTests.InstallAsync(store, [repository.BasePath], "app-amd64-1-1", "app-amd64-2-2", "zlib", "ncurses");

        var plan = GarbageCollector.Compute(store);
        GarbageCollector.Apply(store, plan);

        CollectionAssert.AreEquivalent(new[] { "app-amd64-1-1", "ncurses-amd64-6.3-1" }, plan.Remove.Select(n => n.ToString()).ToList());
        StoreAssert.Installed(store, "app-amd64-2-2", "zlib-amd64-1.2-1", "zlib-amd64-1.3-2", "ncurses-amd64-6.4-2");
        Assert.IsFalse(File.Exists(store.MetaPath(PackageFullName.Parse("app-amd64-1-1"))), "the meta goes with the image");
    }

    [TestMethod]
    public async Task GcDryRunPrintsWhatWouldGoAndRemovesNothing()
    {
        using var temp = new TempDirectory("gc");
        var repository = TestRepository.CreateStandard(temp["repo"]);
        var store = new PackageStore(temp["root"]);
        await InstallTests.InstallAsync(store, [repository.BasePath], "zsh-amd64-5.8-1", "zsh-amd64-5.9-2");

        var output = DistriCli.Check("gc", "--root", store.Root, "--dry-run");

        StringAssert.Contains(output, "would remove zsh-amd64-5.8-1");
        StoreAssert.Installed(store, "zsh-amd64-5.8-1", "zsh-amd64-5.9-2", "ncurses-amd64-6.4-1", "zlib-amd64-1.3-1");
        StringAssert.Contains(DistriCli.Check("gc", "--root", store.Root), "removing zsh-amd64-5.8-1");
        StoreAssert.Installed(store, "zsh-amd64-5.9-2", "ncurses-amd64-6.4-1", "zlib-amd64-1.3-1");
    }

    [TestMethod]
    public void GcRemovesMetasOrphanedByAnInterruptedInstall()
    {
        using var temp = new TempDirectory("gc");
        var store = new PackageStore(temp["root"]);
        Directory.CreateDirectory(store.Directory);
        File.WriteAllText(store.MetaPath(PackageFullName.Parse("zsh-amd64-5.9-2")), "name: zsh\n");

        GarbageCollector.Apply(store, GarbageCollector.Compute(store));

        Assert.AreEqual(0, Directory.EnumerateFiles(store.Directory).Count());
    }

    [TestMethod]
    public async Task ALocalMirrorIsAnUpdatedStoreServedByExport()
    {
        using var temp = new TempDirectory("mirror");
        var upstream = TestRepository.CreateStandard(temp["upstream"]);
        var mirror = new PackageStore(temp["mirror"]);
        await InstallTests.InstallAsync(mirror, [upstream.BasePath], "zsh", "bash");
        upstream.Add("bash-amd64-5.2-2");
        upstream.WriteIndex();
        await UpdateAsync(mirror, upstream.BasePath);

        await using var server = await Distri.Export.RepositoryServer.StartAsync(mirror.Root, new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        var client = new PackageStore(temp["client"]);
        var result = await InstallTests.InstallAsync(client, [server.BaseUri.ToString()], "bash", "zsh");

        Assert.IsTrue(result.Succeeded, string.Join("\n", result.Failures));
        StoreAssert.Installed(client, "bash-amd64-5.2-2", "zsh-amd64-5.9-2", "ncurses-amd64-6.4-1", "zlib-amd64-1.3-1");
    }
}
