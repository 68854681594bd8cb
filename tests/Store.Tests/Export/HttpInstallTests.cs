using System.Net;
using Distri.Export;
using Distri.Store;
using Distri.Testing;
using Store.Tests.Fixtures;
using Store.Tests.Install;

namespace Store.Tests.Export;

[TestClass]
public sealed class HttpInstallTests
{
    [TestMethod]
    public async Task InstallWorksAgainstDistriExportWithPrecompressedFiles()
    {
        using var temp = new TempDirectory("export");
        var repository = TestRepository.CreateStandard(temp["repo"]);
        Precompressor.Run(repository.PackageDirectory);
        await using var server = await RepositoryServer.StartAsync(repository.BasePath, new IPEndPoint(IPAddress.Loopback, 0));
        var store = new PackageStore(temp["root"]);

        var result = await InstallTests.InstallAsync(store, [server.BaseUri.ToString()], "zsh", "bash");

        Assert.IsTrue(result.Succeeded, string.Join("\n", result.Failures));
        StoreAssert.Installed(store, "zsh-amd64-5.9-2", "ncurses-amd64-6.4-1", "zlib-amd64-1.3-1", "bash-amd64-5.2-1");
        StoreAssert.EveryVisiblePackageIsComplete(store, repository.WriteIndex());
    }

    [TestMethod]
    public async Task InstallWorksAgainstNginxServingTheRepositoryWithGzipStatic()
    {
        var nginx = Requires.Tool("nginx");
        using var temp = new TempDirectory("nginx");
        var repository = TestRepository.CreateStandard(temp["repo"]);
        Precompressor.Run(repository.PackageDirectory);
        // Remove the zstd siblings: nginx must serve its own way (gzip_static), which the client decodes.
        foreach (var zst in Directory.EnumerateFiles(repository.PackageDirectory, "*.zst")) File.Delete(zst);
        await using var server = await Nginx.StartAsync(nginx, repository.BasePath, temp.CreateDirectory("nginx"));
        var store = new PackageStore(temp["root"]);

        var result = await InstallTests.InstallAsync(store, [server.BaseUri], "zsh");

        Assert.IsTrue(result.Succeeded, string.Join("\n", result.Failures));
        StoreAssert.Installed(store, "zsh-amd64-5.9-2", "ncurses-amd64-6.4-1", "zlib-amd64-1.3-1");
        StoreAssert.EveryVisiblePackageIsComplete(store, repository.WriteIndex());
        StringAssert.Contains(File.ReadAllText(server.AccessLog), "gzip", "the client should have asked for gzip");
    }

    [TestMethod]
    public async Task AServerDyingMidTransferFailsClearlyLeavesNothingVisibleAndARerunSucceeds()
    {
        using var temp = new TempDirectory("faulty");
        var repository = new TestRepository(temp["repo"]);
        repository.Add("big-amd64-1-1", 400_000);
        repository.Add("app-amd64-1-1", 1000, "big-amd64-1-1");
        var index = repository.WriteIndex();
        await using var server = await FaultyHttpServer.StartAsync(repository.PackageDirectory);
        server.DropFilesContaining = "big-amd64-1-1.squashfs";
        server.DropAfterBytes = 100_000;
        var store = new PackageStore(temp["root"]);

        var result = await InstallTests.InstallAsync(store, [server.BaseUri.ToString()], "app");

        Assert.IsFalse(result.Succeeded);
        var big = result.Failures.Single(f => f.Package.Name == "big").Message;
        StringAssert.Contains(big, "big-amd64-1-1.squashfs from " + server.BaseUri);
        StringAssert.Contains(result.Failures.Single(f => f.Package.Name == "app").Message, "dependency big-amd64-1-1 failed");
        StoreAssert.Installed(store);

        server.DropFilesContaining = null;
        var rerun = await InstallTests.InstallAsync(store, [server.BaseUri.ToString()], "app");
        Assert.IsTrue(rerun.Succeeded, string.Join("\n", rerun.Failures));
        StoreAssert.Installed(store, "big-amd64-1-1", "app-amd64-1-1");
        StoreAssert.EveryVisiblePackageIsComplete(store, index);
    }

    [TestMethod]
    public async Task AnUnreachableRepositoryIsOneClearError()
    {
        using var temp = new TempDirectory("faulty");
        var store = new PackageStore(temp["root"]);

        var error = await Assert.ThrowsExactlyAsync<StoreException>(() => InstallTests.InstallAsync(store, ["http://127.0.0.1:9/"], "zsh"));

        StringAssert.Contains(error.Message, "GET http://127.0.0.1:9/pkg/index.yaml");
    }

    [TestMethod]
    public async Task ADerivativeRepositoryIsACopyWithOwnPackagesAddedAndExported()
    {
        using var temp = new TempDirectory("derivative");
        var upstream = TestRepository.CreateStandard(temp["upstream"]);
        CopyDirectory(upstream.BasePath, temp["derivative"]);
        var derivative = new TestRepository(temp["derivative"]);
        // Our own package: image + meta only; export refreshes the now stale index.
        derivative.Add("mytool-amd64-1.0-1", 1200, "zlib-amd64-1.3-1");
        await using var server = await RepositoryServer.StartAsync(derivative.BasePath, new IPEndPoint(IPAddress.Loopback, 0));
        var store = new PackageStore(temp["root"]);

        var result = await InstallTests.InstallAsync(store, [server.BaseUri.ToString()], "mytool", "bash");

        Assert.IsTrue(result.Succeeded, string.Join("\n", result.Failures));
        StoreAssert.Installed(store, "mytool-amd64-1.0-1", "zlib-amd64-1.3-1", "bash-amd64-5.2-1");
    }

    internal static void CopyDirectory(string source, string target)
    {
        foreach (var directory in Directory.EnumerateDirectories(source, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(Path.Combine(target, Path.GetRelativePath(source, directory)));
        Directory.CreateDirectory(target);
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
            File.Copy(file, Path.Combine(target, Path.GetRelativePath(source, file)));
    }
}
