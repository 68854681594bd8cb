using Distri.Packages;
using Distri.SquashFs;
using Distri.Testing;

namespace Sdk.Tests;

/// <summary>
/// Split packages, built for real in the sandbox: a tiny C library <c>tinylib</c> whose headers,
/// pkg-config file and static library go to <c>tinylib-dev</c>, and a program <c>tinyapp</c> that
/// depends on the library (the build is shared by the tests of this class).
/// </summary>
[TestClass]
public sealed class SplitPackageTests
{
    private const string Lib = "tinylib-amd64-1.0-1";
    private const string Dev = "tinylib-dev-amd64-1.0-1";
    private const string App = "tinyapp-amd64-1.0-1";
    private const string DevSplit = """<Split Include="tinylib-dev" Paths="out/include/**;out/lib/pkgconfig/**;out/lib/*.a" RuntimeDependencies="tinylib" />""";

    private static readonly SharedBuild Built = new(f =>
    {
        f.WritePackage("tinylib", PackageFixture.Definition(TinyC.Library(f, "tinylib"), DevSplit));
        // The header at the library's own prefix: there only through the dev part's join.
        return f.WritePackage("tinyapp", PackageFixture.Definition(
            TinyC.Program(f, "tinyapp", "#include <tiny.h>\nint main(void) { return tiny() == 42 ? 0 : 1; }\n", "-ltiny", check: $"test -f /ro/{Lib}/out/include/tiny.h"),
            """<Dependency Include="tinylib" />"""));
    });

    private static PackageFixture Build() => Built.Fixture();

    [ClassCleanup]
    public static void RemoveTheBuild() => Built.Dispose();

    private static string[] Entries(PackageFixture f, string full)
    {
        using var image = SquashFsImage.Open(Path.Combine(f.Repository, full + ".squashfs"));
        return [.. new[] { "out/include/tiny.h", "out/lib/libtiny.so.1", "out/lib/libtiny.so", "out/lib/libtiny.a", "out/lib/pkgconfig/tiny.pc", "out/include" }
            .Where(p => image.Lookup(p) is not null)];
    }

    [TestMethod]
    public void ThePartHoldsWhatItsPathsClaimAndThePackageTheRestWithEveryDirectory()
    {
        var f = Build();
        CollectionAssert.AreEquivalent(new[] { "out/lib/libtiny.so.1", "out/lib/libtiny.so", "out/include" }, Entries(f, Lib));
        CollectionAssert.AreEquivalent(new[] { "out/include/tiny.h", "out/lib/libtiny.a", "out/lib/pkgconfig/tiny.pc", "out/include" }, Entries(f, Dev));
    }

    [TestMethod]
    public void ThePackagesMetaNamesItsPartWhichSharesItsInputsAndJoinsItsTree()
    {
        var f = Build();
        var lib = Yaml.ReadMeta(Path.Combine(f.Repository, Lib + ".meta.yaml"));
        var dev = Yaml.ReadMeta(Path.Combine(f.Repository, Dev + ".meta.yaml"));
        CollectionAssert.AreEqual(new[] { Dev }, lib.SplitPackages);
        Assert.AreEqual(lib.InputDigest, dev.InputDigest);
        CollectionAssert.AreEqual(new[] { "include", "lib", "lib/pkgconfig" }, dev.ExchangeDirectories.Select(e => e.Directory).ToList());
        Assert.IsTrue(dev.ExchangeDirectories.All(e => e.Host == "tinylib"));
        CollectionAssert.Contains(dev.RuntimeDependencies, Lib, "its declared sibling");
        CollectionAssert.DoesNotContain(lib.RuntimeDependencies, Dev);
    }

    [TestMethod]
    public void ADependentBuildsWithThePartsHeadersButNeedsOnlyTheRuntimePart()
    {
        var f = Build();
        StringAssert.Contains(Built.Result.StandardOutput, $"Build environment of {App}: 3 packages at /ro", "tinylib, tinylib-dev and the seed");
        var app = Yaml.ReadMeta(Path.Combine(f.Repository, App + ".meta.yaml"));
        CollectionAssert.Contains(app.RuntimeDependencies, Lib);
        CollectionAssert.DoesNotContain(app.RuntimeDependencies, Dev);
    }

    [TestMethod]
    public void PartsInstallSeparately()
    {
        var f = Build();
        using var temp = new TempDirectory("split-install");
        var repos = new[] { "--repo", Path.GetDirectoryName(f.Repository)!, "--repo", Path.GetDirectoryName(SeedToolchain.Repository.TrimEnd('/'))! };

        DistriCli.Check(["install", "--root", temp["app"], .. repos, "tinyapp"]);
        DistriCli.Check(["install", "--root", temp["dev"], .. repos, "tinylib-dev"]);

        string[] Installed(string root) => [.. Directory.EnumerateFiles(temp[root + "/roimg"], "*.squashfs").Select(Path.GetFileNameWithoutExtension).Where(n => !n!.StartsWith("seed-", StringComparison.Ordinal))!];
        CollectionAssert.AreEquivalent(new[] { App, Lib }, Installed("app"), "the program pulls the runtime part only");
        CollectionAssert.AreEquivalent(new[] { Dev, Lib }, Installed("dev"), "the part pulls what it declares");
    }

    [TestMethod]
    public void APartMissingFromTheRepositoryMakesThePackageBuildAgain()
    {
        var f = Build();
        using var temp = new TempDirectory("split-missing");
        CopyDirectory(Path.GetDirectoryName(f.Repository)!, temp["artifacts/repo"]);
        File.Delete(temp[$"artifacts/repo/pkg/{Dev}.squashfs"]);

        var rebuilt = f.Build(f["pkgs/tinylib/tinylib.distpkg"], $"-p:DistriArtifactsDir={temp["artifacts"]}/");

        Assert.AreEqual(0, rebuilt.ExitCode, BuildEnvironmentIntegrationTests.Tail(rebuilt));
        Assert.AreEqual("built", File.ReadAllText(temp["artifacts/status/tinylib.status"]).Split('\t')[0]);
        Assert.IsTrue(File.Exists(temp[$"artifacts/repo/pkg/{Dev}.squashfs"]));
    }

    [TestMethod]
    public void APartPublishedFromOtherInputsStopsTheBuildWithDst4004()
    {
        var f = Build();
        using var temp = new TempDirectory("split-taken");
        var pkg = temp.CreateDirectory("artifacts/repo/pkg");
        var taken = Yaml.ReadMeta(Path.Combine(f.Repository, Dev + ".meta.yaml"));
        taken.InputDigest = "sha256:" + new string('0', 64);
        File.WriteAllText(Path.Combine(pkg, Dev + ".meta.yaml"), Yaml.Serialize(taken));

        var result = f.Build(f["pkgs/tinylib/tinylib.distpkg"], $"-p:DistriArtifactsDir={temp["artifacts"]}/");

        Assert.AreNotEqual(0, result.ExitCode);
        var error = PackageFixture.Errors(result, "DST4004").Single();
        StringAssert.Contains(error, Dev + " is already published");
        StringAssert.Contains(error, "distri bump tinylib --reverse -w", "the package, not the part, is what gets bumped");
        Assert.IsFalse(File.Exists(Path.Combine(pkg, Lib + ".meta.yaml")), "nothing was published");
    }

    [TestMethod]
    [Timeout(600_000, CooperativeCancellation = true)]
    public async Task TheBuildCacheCarriesThePartsWithThePackage()
    {
        var f = Build();
        await using var cache = await CacheServer.StartAsync();
        using var temp = new TempDirectory("split-cache");
        var lib = f["pkgs/tinylib/tinylib.distpkg"];

        var push = f.Build(lib, $"-p:DistriCache={cache.Url}", "-p:DistriCachePush=true");
        var restore = f.Build(lib, $"-p:DistriArtifactsDir={temp["artifacts"]}/", $"-p:DistriCache={cache.Url}");

        Assert.AreEqual(0, push.ExitCode, BuildEnvironmentIntegrationTests.Tail(push));
        Assert.AreEqual(0, restore.ExitCode, BuildEnvironmentIntegrationTests.Tail(restore));
        Assert.AreEqual("from cache", File.ReadAllText(temp["artifacts/status/tinylib.status"]).Split('\t')[0]);
        foreach (var full in new[] { Lib, Dev })
            Assert.AreEqual(PackageFixture.Sha256(Path.Combine(f.Repository, full + ".squashfs")), PackageFixture.Sha256(temp[$"artifacts/repo/pkg/{full}.squashfs"]), full);
    }

    [TestMethod]
    [DataRow("""<Split Include="tinylib" Paths="out/include/**" />""", "is the name of the package")]
    [DataRow("""<Split Include="tinylib-dev" />""", "no Paths")]
    [DataRow("""<Split Include="tinylib-dev" Paths="/out/include/**" />""", "is absolute")]
    [DataRow("""<Split Include="tinylib-dev" Paths="out/include/**" RuntimeDependencies="zlib" />""", "runtime dependency 'zlib'")]
    public void AMistakenSplitIsDst1017AtItsLine(string split, string why)
    {
        Requires.Tool("bwrap");
        using var f = new PackageFixture();
        var project = f.WritePackage("tinylib", f.TinyPackage("tinylib", split));

        var result = f.Build(project);

        var error = PackageFixture.Errors(result, "DST1017").Single();
        StringAssert.Contains(error, why);
        Assert.AreEqual(PackageFixture.LineContaining(project, "<Split"), PackageFixture.LineOf(error, project));
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
