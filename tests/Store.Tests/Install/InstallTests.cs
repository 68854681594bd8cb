using Distri.Packages;
using Distri.Store;
using Distri.Store.Install;
using Distri.Store.Repositories;
using Distri.Testing;
using Store.Tests.Fixtures;

namespace Store.Tests.Install;

[TestClass]
public sealed class InstallTests
{
    private static readonly HttpClient Client = HttpRepository.CreateClient(16);

    internal static async Task<InstallResult> InstallAsync(PackageStore store, IEnumerable<string> locations, params string[] names)
    {
        using var storeLock = await store.LockAsync();
        var catalog = await PackageCatalog.LoadAsync(locations.Select(l => Repository.Create(l, Client)).ToList());
        var plan = InstallPlan.Create(store, catalog, names);
        return await new Installer(store).InstallAsync(plan);
    }

    [TestMethod]
    public async Task InstallFromALocalPathInstallsThePackageAndItsRuntimeClosure()
    {
        using var temp = new TempDirectory("store");
        var repository = TestRepository.CreateStandard(temp["repo"]);
        var store = new PackageStore(temp["root"]);

        var result = await InstallAsync(store, [repository.BasePath], "zsh-amd64-5.9-2");

        Assert.IsTrue(result.Succeeded, string.Join("\n", result.Failures));
        StoreAssert.Installed(store, "zsh-amd64-5.9-2", "ncurses-amd64-6.4-1", "zlib-amd64-1.3-1");
        StoreAssert.EveryVisiblePackageIsComplete(store, repository.WriteIndex());
        Assert.AreEqual(0, Directory.EnumerateFiles(store.WorkDirectory).Count(f => !Path.GetFileName(f).StartsWith('.')), "work files left behind");
    }

    [TestMethod]
    public async Task AlreadyInstalledPackagesAreSkipped()
    {
        using var temp = new TempDirectory("store");
        var repository = TestRepository.CreateStandard(temp["repo"]);
        var store = new PackageStore(temp["root"]);
        await InstallAsync(store, [repository.BasePath], "ncurses");

        var result = await InstallAsync(store, [repository.BasePath], "zsh");

        CollectionAssert.AreEquivalent(new[] { PackageFullName.Parse("zsh-amd64-5.9-2") }, result.Installed.ToList());
    }

    [TestMethod]
    [DataRow("zsh", "zsh-amd64-5.9-2")]
    [DataRow("zsh-amd64", "zsh-amd64-5.9-2")]
    [DataRow("zsh-amd64-5.8-1", "zsh-amd64-5.8-1")]
    public async Task UnversionedAndPartialNamesResolveToTheNewestRevision(string requested, string expected)
    {
        using var temp = new TempDirectory("store");
        var repository = TestRepository.CreateStandard(temp["repo"]);
        var store = new PackageStore(temp["root"]);

        await InstallAsync(store, [repository.BasePath], requested);

        StoreAssert.Installed(store, expected, "ncurses-amd64-6.4-1", "zlib-amd64-1.3-1");
    }

    [TestMethod]
    public async Task AnUnknownNameFailsWithCloseMatchesAndInstallsNothing()
    {
        using var temp = new TempDirectory("store");
        var repository = TestRepository.CreateStandard(temp["repo"]);
        var store = new PackageStore(temp["root"]);

        var error = await Assert.ThrowsExactlyAsync<StoreException>(() => InstallAsync(store, [repository.BasePath], "bash", "zhs", "nurses-amd64"));

        StringAssert.Contains(error.Message, "'zhs' (did you mean zsh");
        StringAssert.Contains(error.Message, "'nurses-amd64' (did you mean ncurses-amd64");
        StoreAssert.Installed(store);
    }

    [TestMethod]
    public async Task TheHighestRevisionWinsAcrossRepositories()
    {
        using var temp = new TempDirectory("store");
        var first = new TestRepository(temp["a"]);
        first.Add("zsh-amd64-5.9-2");
        first.Add("zsh-amd64-5.9-10");
        first.WriteIndex();
        var second = new TestRepository(temp["b"]);
        second.Add("zsh-amd64-5.8-3");
        second.Add("zsh-amd64-5.9-9");
        second.WriteIndex();
        var store = new PackageStore(temp["root"]);

        await InstallAsync(store, [second.BasePath, first.BasePath], "zsh");

        StoreAssert.Installed(store, "zsh-amd64-5.9-10");
    }

    [TestMethod]
    public async Task AHashMismatchDeletesTheDownloadReportsBothHashesAndLeavesThePackageAndItsDependentsInvisible()
    {
        using var temp = new TempDirectory("store");
        var repository = TestRepository.CreateStandard(temp["repo"]);
        var index = repository.WriteIndex();
        var image = repository.ImagePath("ncurses-amd64-6.4-1");
        var bytes = File.ReadAllBytes(image);
        bytes[^1] ^= 0xff;
        File.WriteAllBytes(image, bytes);
        var store = new PackageStore(temp["root"]);

        var result = await InstallAsync(store, [repository.BasePath], "zsh", "bash");

        Assert.IsFalse(result.Succeeded);
        var failure = result.Failures.Single(f => f.Package.Name == "ncurses").Message;
        StringAssert.Contains(failure, "sha256 mismatch: expected " + index.Packages.Single(p => p.Name == "ncurses").ImageSha256);
        StringAssert.Contains(failure, "got " + StoreAssert.Sha256(image));
        StoreAssert.Installed(store, "zlib-amd64-1.3-1", "bash-amd64-5.2-1");
        Assert.IsFalse(File.Exists(store.MetaPath(PackageFullName.Parse("ncurses-amd64-6.4-1"))));
        Assert.AreEqual(0, Directory.EnumerateFiles(store.WorkDirectory).Count(f => !Path.GetFileName(f).StartsWith('.')), "work files left behind");
    }

    [TestMethod]
    public async Task AFileShorterThanTheIndexSaysIsATruncatedDownloadAndARerunSucceedsOnceItIsWhole()
    {
        using var temp = new TempDirectory("store");
        var repository = TestRepository.CreateStandard(temp["repo"]);
        var image = repository.ImagePath("bash-amd64-5.2-1");
        var whole = File.ReadAllBytes(image);
        File.WriteAllBytes(image, whole[..^100]);
        var store = new PackageStore(temp["root"]);

        var result = await InstallAsync(store, [repository.BasePath], "bash");

        StringAssert.Contains(result.Failures.Single().Message, $"truncated download): expected {whole.Length} bytes, got {whole.Length - 100}");
        StoreAssert.Installed(store);
        File.WriteAllBytes(image, whole);
        Assert.IsTrue((await InstallAsync(store, [repository.BasePath], "bash")).Succeeded);
        StoreAssert.Installed(store, "bash-amd64-5.2-1");
    }

    [TestMethod]
    public async Task StaleWorkFilesAreRemovedWhenTheStoreIsLocked()
    {
        using var temp = new TempDirectory("store");
        var store = new PackageStore(temp["root"]);
        Directory.CreateDirectory(Path.Combine(store.WorkDirectory, "leftover"));
        File.WriteAllText(Path.Combine(store.WorkDirectory, "zsh-amd64-5.9-2.squashfs"), "half");

        using (await store.LockAsync())
        {
            CollectionAssert.AreEqual(new[] { ".lock" }, Directory.EnumerateFileSystemEntries(store.WorkDirectory).Select(Path.GetFileName).ToArray());
        }
    }

    [TestMethod]
    public async Task AMetaWithoutItsImageIsNotInstalledAndIsReplacedByTheNextInstall()
    {
        using var temp = new TempDirectory("store");
        var repository = TestRepository.CreateStandard(temp["repo"]);
        var store = new PackageStore(temp["root"]);
        Directory.CreateDirectory(store.Directory);
        File.WriteAllText(store.MetaPath(PackageFullName.Parse("bash-amd64-5.2-1")), "interrupted");

        Assert.IsFalse(store.IsInstalled(PackageFullName.Parse("bash-amd64-5.2-1")));
        await InstallAsync(store, [repository.BasePath], "bash");

        StoreAssert.EveryVisiblePackageIsComplete(store, repository.WriteIndex());
    }

    [TestMethod]
    public async Task RepositoriesComeFromReposDFilesOfTheRoot()
    {
        using var temp = new TempDirectory("store");
        var repository = TestRepository.CreateStandard(temp["repo"]);
        var configuration = Directory.CreateDirectory(RepositoryConfiguration.Directory(temp["root"])).FullName;
        File.WriteAllText(Path.Combine(configuration, "main.repo"), $"# the test repository\n\n  {repository.BasePath}  \n");

        var locations = RepositoryConfiguration.Locations(temp["root"], ["http://127.0.0.1:1/"]);

        CollectionAssert.AreEqual(new[] { repository.BasePath, "http://127.0.0.1:1/" }, locations.ToArray());
    }

    [TestMethod]
    public async Task TheStoreLockAdmitsOneWriterAtATime()
    {
        using var temp = new TempDirectory("store");
        var store = new PackageStore(temp["root"]);
        var first = await store.LockAsync();
        var waited = false;

        var second = store.LockAsync(_ => waited = true);
        await Task.Delay(300);
        Assert.IsFalse(second.IsCompleted, "a second writer got the lock while the first held it");
        first.Dispose();
        (await second.WaitAsync(TimeSpan.FromSeconds(30))).Dispose();

        Assert.IsTrue(waited, "the waiting writer should be told why it waits");
    }

    [TestMethod]
    public async Task HostileIndexEntriesAreSkippedWithAWarning()
    {
        using var temp = new TempDirectory("store");
        var repository = TestRepository.CreateStandard(temp["repo"]);
        var index = repository.WriteIndex();
        var good = index.Packages.Single(p => p.Name == "bash");
        index.Packages.Add(new Distri.Packages.RepositoryIndexEntry { FullName = "../../etc/passwd-amd64-1-1", Name = "../../etc/passwd", Version = "1", Revision = 1, ImageSha256 = good.ImageSha256, MetaSha256 = good.MetaSha256 });
        index.Packages.Add(new Distri.Packages.RepositoryIndexEntry { FullName = "bash-amd64-5.2-9", Name = "bash", Version = "5.2", Revision = 9, ImageSha256 = "not-a-hash", MetaSha256 = good.MetaSha256 });
        index.Packages.Add(new Distri.Packages.RepositoryIndexEntry { FullName = "bash-amd64-5.2-8", Name = "zsh", Version = "5.2", Revision = 8, ImageSha256 = good.ImageSha256, MetaSha256 = good.MetaSha256 });
        File.WriteAllText(Path.Combine(repository.PackageDirectory, "index.yaml"), Distri.Packages.Yaml.Serialize(index));

        var catalog = await PackageCatalog.LoadAsync([Repository.Create(repository.BasePath, Client)]);

        Assert.AreEqual(3, catalog.Warnings.Count, string.Join("\n", catalog.Warnings));
        Assert.AreEqual("bash-amd64-5.2-1", catalog.Resolve("bash")!.Name.ToString());
    }
}
