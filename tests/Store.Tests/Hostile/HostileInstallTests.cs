using System.Diagnostics;
using Distri.Packages;
using Distri.Store;
using Distri.Store.Install;
using Distri.Store.Repositories;
using Distri.Testing;
using Store.Tests.Fixtures;

namespace Store.Tests.Hostile;

/// <summary>
/// Issue 10, items 8–12 and 16: hostile or damaged repositories and stores meet a real
/// <c>distri install</c> (and gc, update) over real HTTP; each ends in one clear line, no stack trace.
/// </summary>
[TestClass]
public sealed class HostileInstallTests
{
    private static void AssertOneCleanError(ExternalTool.Result result, string expected)
    {
        Assert.AreEqual(1, result.ExitCode, result.StandardOutput + result.StandardError);
        StringAssert.Contains(result.StandardError, expected);
        Assert.IsFalse(result.StandardError.Contains("   at ", StringComparison.Ordinal), "a stack trace:\n" + result.StandardError);
    }

    private static string Install(string root, Uri repository, params string[] names) =>
        DistriCli.Check(["install", "--root", root, "--repo", repository.ToString(), .. names]);

    // Item 8: null YAML.

    [TestMethod]
    public async Task AnIndexWithANullPackageIsOneErrorNamingTheIndex()
    {
        using var temp = new TempDirectory("hostile");
        var repository = TestRepository.CreateStandard(temp["repo"]);
        File.WriteAllText(Path.Combine(repository.PackageDirectory, "index.yaml"), "packages: [~]\n");
        await using var server = await FaultyHttpServer.StartAsync(repository.PackageDirectory);

        var result = DistriCli.Run("install", "--root", temp["root"], "--repo", server.BaseUri.ToString(), "bash");

        AssertOneCleanError(result, $"distri install: {server.BaseUri}pkg/index.yaml: packages[0] is null (~)");
    }

    [TestMethod]
    public async Task GcMeetingAMetaWithNullRuntimeDependenciesIsOneErrorNamingTheMeta()
    {
        using var temp = new TempDirectory("hostile");
        var repository = TestRepository.CreateStandard(temp["repo"]);
        using var export = await DistriExport.StartAsync(repository.BasePath);
        Install(temp["root"], export.BaseUri, "bash");
        var meta = new PackageStore(temp["root"]).MetaPath(PackageFullName.Parse("bash-amd64-5.2-1"));
        File.WriteAllText(meta, File.ReadAllText(meta).Replace("runtimeDependencies: []", "runtimeDependencies: ~", StringComparison.Ordinal));

        var result = DistriCli.Run("gc", "--root", temp["root"]);

        AssertOneCleanError(result, $"{meta}: runtimeDependencies is null (~)");
    }

    // Item 9: a trickle must not hold the store lock.

    [TestMethod]
    public async Task AServerDrippingOneByteAtATimeFailsAtTheMinimumRateAndReleasesTheLock()
    {
        using var temp = new TempDirectory("hostile");
        var repository = new TestRepository(temp["repo"]);
        repository.Add("bash-amd64-5.2-1", 1500);
        repository.WriteIndex();
        await using var server = await FaultyHttpServer.StartAsync(repository.PackageDirectory);
        // Each byte comes well within the window, so a timer reset by every read would never fire.
        server.DripImagesEvery = TimeSpan.FromMilliseconds(300);
        var store = new PackageStore(temp["root"]);
        var stopwatch = Stopwatch.StartNew();

        InstallResult result;
        using (await store.LockAsync())
        {
            var catalog = await PackageCatalog.LoadAsync([Repository.Create(server.BaseUri.ToString(), HttpRepository.CreateClient(4))]);
            var installer = new Installer(store) { RateWindow = TimeSpan.FromSeconds(1), MinimumBytesPerSecond = 1000 };
            result = await installer.InstallAsync(InstallPlan.Create(store, catalog, ["bash"]));
        }

        StringAssert.Contains(result.Failures.Single().Message, "bash-amd64-5.2-1.squashfs from " + server.BaseUri + ": too slow: less than 1000 bytes/s over 1 s");
        Assert.IsTrue(stopwatch.Elapsed < TimeSpan.FromSeconds(20), $"took {stopwatch.Elapsed}");
        StoreAssert.Installed(store);
        (await store.LockAsync().WaitAsync(TimeSpan.FromSeconds(5))).Dispose();
    }

    // Item 10: bounded memory per download.

    [TestMethod]
    public async Task AZstdBodyAskingForAHundredTwentyEightMebibyteWindowFailsThatPackage()
    {
        using var temp = new TempDirectory("hostile");
        var repository = TestRepository.CreateStandard(temp["repo"]);
        var image = repository.ImagePath("bash-amd64-5.2-1");
        File.WriteAllBytes(image + ".zst", Compression.ZstdStreamTests.ZstdCli(File.ReadAllBytes(image), "--long=27", "-c"));
        File.SetLastWriteTimeUtc(image + ".zst", File.GetLastWriteTimeUtc(image));
        using var export = await DistriExport.StartAsync(repository.BasePath);

        var result = DistriCli.Run("install", "--root", temp["root"], "--repo", export.BaseUri.ToString(), "bash");

        AssertOneCleanError(result, "bash-amd64-5.2-1.squashfs from " + export.BaseUri);
        StringAssert.Contains(result.StandardError, "window larger than 8 MiB");
    }

    [TestMethod]
    public async Task AnIndexEntryClaimingAMetaOverOneMebibyteIsSkipped()
    {
        using var temp = new TempDirectory("hostile");
        var repository = TestRepository.CreateStandard(temp["repo"]);
        var index = repository.WriteIndex();
        index.Packages.Single(p => p.Name == "bash").MetaSize = 2_000_000;
        File.WriteAllText(Path.Combine(repository.PackageDirectory, "index.yaml"), Yaml.Serialize(index));
        await using var server = await FaultyHttpServer.StartAsync(repository.PackageDirectory);

        var result = DistriCli.Run("install", "--root", temp["root"], "--repo", server.BaseUri.ToString(), "bash");

        AssertOneCleanError(result, "skipping index entry 'bash-amd64-5.2-1': a meta of 2000000 bytes is more than the 1048576 a meta may have");
        StringAssert.Contains(result.StandardError, "unknown package 'bash'");
    }

    // Item 11: cycles.

    [TestMethod]
    public async Task ADependencyCycleIsReportedAsTheCycle()
    {
        using var temp = new TempDirectory("hostile");
        var repository = new TestRepository(temp["repo"]);
        repository.Add("a-amd64-1-1", 1000, "b-amd64-1-1");
        repository.Add("b-amd64-1-1", 1000, "c-amd64-1-1");
        repository.Add("c-amd64-1-1", 1000, "a-amd64-1-1");
        repository.WriteIndex();
        using var export = await DistriExport.StartAsync(repository.BasePath);

        var result = DistriCli.Run("install", "--root", temp["root"], "--repo", export.BaseUri.ToString(), "a");

        AssertOneCleanError(result, "distri install: cycle: a-amd64-1-1 -> b-amd64-1-1 -> c-amd64-1-1 -> a-amd64-1-1");
    }

    // Found by HostileRepositoryFuzzTests: hostile names reach the owner's terminal only escaped.

    [TestMethod]
    public void ATerminalEscapeInAnIndexNameIsPrintedEscapedOnOneLine()
    {
        using var temp = new TempDirectory("hostile");
        var repository = new TestRepository(temp["repo"]);
        // A name that would turn the terminal red, retitle it and start a fake second message.
        File.WriteAllText(Path.Combine(repository.PackageDirectory, "index.yaml"),
            "packages:\n- fullName: \"a\\e[31m\\e]0;owned\\a\\ndistri install: ok-amd64-1-1\"\n  name: a\n");

        var result = DistriCli.Run("install", "--root", temp["root"], "--repo", repository.BasePath, "a");

        AssertOneCleanError(result, @"skipping index entry 'a\x1B[31m\x1B]0;owned\x07\x0Adistri install: ok-amd64-1-1'");
        Assert.IsFalse(result.StandardError.Any(c => char.IsControl(c) && c != '\n'), result.StandardError);
        Assert.IsFalse(result.StandardError.Split('\n').Any(l => l.StartsWith("distri install: ok", StringComparison.Ordinal)), result.StandardError);
    }

    // Item 12: an image left empty by a power loss is fetched again, not trusted.

    [TestMethod]
    [DataRow("install", "bash")]
    [DataRow("update")]
    public async Task AnEmptyImageUnderItsFinalNameIsFetchedAgain(string verb, params string[] names)
    {
        using var temp = new TempDirectory("hostile");
        var repository = TestRepository.CreateStandard(temp["repo"]);
        using var export = await DistriExport.StartAsync(repository.BasePath);
        Install(temp["root"], export.BaseUri, "bash");
        var store = new PackageStore(temp["root"]);
        var bash = PackageFullName.Parse("bash-amd64-5.2-1");
        File.WriteAllBytes(store.ImagePath(bash), []);

        var result = DistriCli.Run([verb, "--root", temp["root"], "--repo", export.BaseUri.ToString(), .. names]);

        Assert.AreEqual(0, result.ExitCode, result.StandardOutput + result.StandardError);
        StringAssert.Contains(result.StandardError, $"re-fetching bash-amd64-5.2-1: its image is 0 bytes, its meta says {repository.WriteIndex().Packages.Single(p => p.Name == "bash").ImageSize}");
        StoreAssert.EveryVisiblePackageIsComplete(store, repository.WriteIndex());
        StoreAssert.Installed(store, "bash-amd64-5.2-1");
    }

    [TestMethod]
    public async Task ADamagedDependencyIsFetchedAgainBeforeItsDependent()
    {
        using var temp = new TempDirectory("hostile");
        var repository = TestRepository.CreateStandard(temp["repo"]);
        using var export = await DistriExport.StartAsync(repository.BasePath);
        Install(temp["root"], export.BaseUri, "ncurses");
        var store = new PackageStore(temp["root"]);
        File.WriteAllBytes(store.ImagePath(PackageFullName.Parse("zlib-amd64-1.3-1")), new byte[10]);

        var output = Install(temp["root"], export.BaseUri, "zsh");

        StringAssert.Contains(output, "installed 2 packages");
        StoreAssert.Installed(store, "zsh-amd64-5.9-2", "ncurses-amd64-6.4-1", "zlib-amd64-1.3-1");
        StoreAssert.EveryVisiblePackageIsComplete(store, repository.WriteIndex());
    }

    // Item 16: what the etc/ copy accepts.

    [TestMethod]
    public async Task AHugeSparseFileInEtcFailsThePackageAndCopiesNothing()
    {
        using var temp = new TempDirectory("hostile");
        var repository = new TestRepository(temp["repo"]);
        repository.AddCustom("bash-amd64-5.2-1", tree: tree =>
        {
            using var sparse = File.Create(Path.Combine(tree, "etc", "bash", "huge"));
            sparse.SetLength(1L << 30);
        });
        repository.WriteIndex();
        using var export = await DistriExport.StartAsync(repository.BasePath);

        var result = DistriCli.Run("install", "--root", temp["root"], "--repo", export.BaseUri.ToString(), "bash");

        AssertOneCleanError(result, "etc/ not copied: its files hold more than 64 MiB (at etc/bash/huge, 1073741824 bytes)");
        Assert.IsFalse(Directory.Exists(Path.Combine(temp["root"], "etc", "bash")), "nothing of etc/ may be copied");
        StoreAssert.Installed(new PackageStore(temp["root"]));
    }

    [TestMethod]
    public async Task ADirectoryLoopInEtcFailsThePackage()
    {
        using var temp = new TempDirectory("hostile");
        var repository = new TestRepository(temp["repo"]);
        repository.AddCustom("loop-amd64-1-1",
            tree: tree => Directory.CreateDirectory(Path.Combine(tree, "etc", "loopdirA", "loopdirB")),
            image: MakeDirectoryLoop,
            mksquashfsOptions: ["-noI", "-noD", "-noF", "-noX"]);
        repository.WriteIndex();
        using var export = await DistriExport.StartAsync(repository.BasePath);

        var result = DistriCli.Run("install", "--root", temp["root"], "--repo", export.BaseUri.ToString(), "loop");

        AssertOneCleanError(result, "etc/ not copied: etc/loopdirA/loopdirB is a directory already seen (a loop)");
        Assert.IsFalse(Directory.Exists(Path.Combine(temp["root"], "etc", "loopdirA")));
    }

    /// <summary>
    /// Points the directory entry <c>loopdirB</c> (inside <c>loopdirA</c>) at <c>loopdirA</c>'s own
    /// inode, in an image with uncompressed metadata. A directory entry is offset (u16), inode
    /// offset (s16), type (u16), name size - 1 (u16), then the name.
    /// </summary>
    private static void MakeDirectoryLoop(string imagePath)
    {
        var bytes = File.ReadAllBytes(imagePath);
        var a = bytes.AsSpan().IndexOf("loopdirA"u8);
        var b = bytes.AsSpan().IndexOf("loopdirB"u8);
        Assert.IsTrue(a >= 8 && b >= 8, "the image's directory table should be uncompressed");
        bytes[b - 8] = bytes[a - 8];
        bytes[b - 7] = bytes[a - 7];
        File.WriteAllBytes(imagePath, bytes);
    }
}
