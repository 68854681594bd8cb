using Distri.Testing;

namespace Sdk.Tests;

/// <summary>
/// The shared build cache against stock nginx (WebDAV PUT and MOVE) on loopback: two artifact
/// directories in the role of two machines building the same tiny packages (top depends on base).
/// </summary>
[TestClass]
public sealed class BuildCacheTests
{
    [TestMethod]
    [Timeout(600_000, CooperativeCancellation = true)]
    public async Task ASecondMachineBuildsNothingAndGetsTheSameBytes()
    {
        await using var cache = await CacheFixture.StartAsync();
        var f = cache.Packages;

        var first = cache.Build(f.Artifacts, push: true);
        var second = cache.Build(f["machine2"], push: false);

        Assert.AreEqual(0, first.ExitCode, first.StandardOutput);
        Assert.AreEqual(0, second.ExitCode, second.StandardOutput);
        CollectionAssert.AreEquivalent(new[] { "built", "built" }, CacheFixture.Statuses(f.Artifacts), first.StandardOutput);
        CollectionAssert.AreEquivalent(new[] { "from cache", "from cache" }, CacheFixture.Statuses(f["machine2"]), second.StandardOutput);
        Assert.IsFalse(Directory.Exists(Path.Combine(f["machine2"], "sources")), "a cache hit fetched sources");
        foreach (var image in new[] { "base-amd64-1.0-1.squashfs", "top-amd64-1.0-1.squashfs" })
            Assert.AreEqual(PackageFixture.Sha256(Path.Combine(f.Repository, image)), PackageFixture.Sha256(Path.Combine(f["machine2"], "repo", "pkg", image)), image);
    }

    [TestMethod]
    [Timeout(600_000, CooperativeCancellation = true)]
    public async Task ATamperedEntryIsIgnoredWithAWarningAndThePackageBuilt()
    {
        await using var cache = await CacheFixture.StartAsync();
        var f = cache.Packages;
        Assert.AreEqual(0, cache.Build(f.Artifacts, push: true).ExitCode);
        var baseMeta = Directory.EnumerateFiles(cache.Directory, "*.meta.yaml").Single(p => Distri.Packages.Yaml.ReadMeta(p).Name == "base");
        var baseImage = baseMeta.Replace(".meta.yaml", ".squashfs");
        var bytes = File.ReadAllBytes(baseImage);
        bytes[^1] ^= 0xff;
        File.WriteAllBytes(baseImage, bytes);

        var second = cache.Build(f["machine2"], push: false);

        Assert.AreEqual(0, second.ExitCode, second.StandardOutput);
        StringAssert.Contains(second.StandardOutput, "warning DST4102", "no warning about the tampered entry");
        CollectionAssert.AreEquivalent(new[] { "built", "from cache" }, CacheFixture.Statuses(f["machine2"]), second.StandardOutput);
        Assert.AreEqual(PackageFixture.Sha256(Path.Combine(f.Repository, "base-amd64-1.0-1.squashfs")),
            PackageFixture.Sha256(Path.Combine(f["machine2"], "repo", "pkg", "base-amd64-1.0-1.squashfs")), "the tampered image was used");
    }

    [TestMethod]
    public void AnUnreachableCacheIsAWarningAndThePackageBuilds()
    {
        using var f = new PackageFixture();
        var project = f.WritePackage("base", f.TinyPackage("base"));
        // Set once for every package below, the way a machine or a checkout configures its cache.
        File.WriteAllText(f["Directory.Distri.props"], """
            <Project>
              <PropertyGroup>
                <DistriCache>http://127.0.0.1:9/</DistriCache>
                <DistriCachePush>true</DistriCachePush>
              </PropertyGroup>
            </Project>
            """);

        var result = f.Build(project);

        Assert.AreEqual(0, result.ExitCode, result.StandardOutput);
        StringAssert.Contains(result.StandardOutput, "warning DST4101");
        StringAssert.Contains(result.StandardOutput, "warning DST4103", "the push was not attempted");
        Assert.IsTrue(File.Exists(Path.Combine(f.Repository, "base-amd64-1.0-1.squashfs")));
    }

    [TestMethod]
    [Timeout(600_000, CooperativeCancellation = true)]
    public async Task PushingSeedsTheCacheWithPackagesThatAreUpToDateLocally()
    {
        await using var cache = await CacheFixture.StartAsync();
        var f = cache.Packages;
        Assert.AreEqual(0, f.Build(cache.Top).ExitCode, "the build without a cache failed");

        var seeded = cache.Build(f.Artifacts, push: true);

        Assert.AreEqual(0, seeded.ExitCode, seeded.StandardOutput);
        CollectionAssert.AreEquivalent(new[] { "up-to-date", "up-to-date" }, CacheFixture.Statuses(f.Artifacts));
        Assert.AreEqual(2, Directory.GetFiles(cache.Directory, "*.meta.yaml").Length, "the cache was not seeded");
        Assert.AreEqual(2, Directory.GetFiles(cache.Directory, "*.squashfs").Length);
        Assert.AreEqual(0, Directory.GetFiles(cache.Directory, "*.tmp").Length, "temporary uploads were left behind");
    }
}

/// <summary>Stock nginx taking WebDAV PUT and MOVE on loopback: a build cache, for one test.</summary>
public sealed class CacheServer : IAsyncDisposable
{
    private readonly TempDirectory _temp;
    private readonly Nginx _nginx;

    private CacheServer(TempDirectory temp, Nginx nginx) => (_temp, _nginx) = (temp, nginx);

    public string Directory => _temp["cache"];
    public string Url => _nginx.BaseUri;

    public static async Task<CacheServer> StartAsync()
    {
        var nginx = Requires.Tool("nginx");
        var temp = new TempDirectory("cache");
        temp.CreateDirectory("cache");
        return new CacheServer(temp, await Nginx.StartAsync(nginx, temp["cache"], temp.CreateDirectory("nginx"), acceptUploads: true));
    }

    public async ValueTask DisposeAsync()
    {
        await _nginx.DisposeAsync();
        _temp.Dispose();
    }
}

/// <summary>Tiny packages base and top (top depends on base) and a build cache, for one test.</summary>
public sealed class CacheFixture : IAsyncDisposable
{
    private readonly CacheServer _server;

    private CacheFixture(CacheServer server, PackageFixture packages)
    {
        (_server, Packages) = (server, packages);
        Packages.WritePackage("base", Packages.TinyPackage("base"));
        Top = Packages.WritePackage("top", Packages.TinyPackage("top", """<Dependency Include="base" />"""));
    }

    public PackageFixture Packages { get; }
    public string Top { get; }
    public string Directory => _server.Directory;
    public string Url => _server.Url;

    public static async Task<CacheFixture> StartAsync() => new(await CacheServer.StartAsync(), new PackageFixture());

    /// <summary>Builds top (and base) into <paramref name="artifacts"/> against the cache, as one machine would.</summary>
    public ExternalTool.Result Build(string artifacts, bool push) =>
        Packages.Build(Top, $"-p:DistriArtifactsDir={artifacts}/", $"-p:DistriCache={Url}", $"-p:DistriCachePush={push}");

    /// <summary>The status of every package built into <paramref name="artifacts"/>: built, up-to-date, from cache, failed.</summary>
    public static string[] Statuses(string artifacts) =>
        [.. System.IO.Directory.GetFiles(Path.Combine(artifacts, "status"), "*.status").Select(p => File.ReadAllText(p).Split('\t')[0])];

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        Packages.Dispose();
    }
}
