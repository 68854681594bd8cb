using Distri.Packages;

namespace Sdk.Tests;

/// <summary>The Debian origin, exercised through a fake apt-get: no network needed.</summary>
[TestClass]
public sealed class SourceFallbackTests
{
    [TestMethod]
    public void UnreachableUrlFallsBackToDebianOrigWithItsOwnHash()
    {
        using var f = new PackageFixture();
        var tarball = f.MakeTinyTarball();
        // Debian's tarball is a repack: the upstream hash is unknown here, the Debian one is verified.
        var fakeApt = f.WriteScript("apt-get", $"[ \"$1 $2\" = 'source --download-only' ] || exit 2\ncase \"$4\" in tiny=1.0-2) ;; *) exit 3;; esac\ncp '{tarball}' tiny_1.0.orig.tar.gz\necho sig > tiny_1.0.orig.tar.gz.asc\n");
        var project = f.WritePackage("tiny", $"""
            <Project Sdk="Distri.Sdk">
              <PropertyGroup>
                <Version>1.0</Version>
              </PropertyGroup>
              <ItemGroup>
                <Source Include="http://127.0.0.1:9/tiny-1.0.tar.gz" Sha256="{new string('b', 64)}"
                        DebianSource="tiny" DebianVersion="1.0-2" DebianSha256="{PackageFixture.Sha256(tarball)}" />
              </ItemGroup>
            </Project>
            """);

        var result = f.Build(project, $"-p:DistriAptGet={fakeApt}");

        Assert.AreEqual(0, result.ExitCode, result.StandardOutput);
        StringAssert.Contains(result.StandardOutput, "fetching Debian source tiny=1.0-2");
        Assert.IsTrue(File.Exists(Path.Combine(f.Artifacts, "sources", PackageFixture.Sha256(tarball))), "cached under the verified hash");
        Assert.AreEqual("tiny", Yaml.ReadMeta(Path.Combine(f.Repository, "tiny-amd64-1.0-1.meta.yaml")).SourcePackage);
    }

    [TestMethod]
    public void AnOrigTarballFetchedBeforeApt_getFailsOnTheDebianTarballIsUsed()
    {
        using var f = new PackageFixture();
        var tarball = f.MakeTinyTarball();
        // Some mirrors serve a version's orig tarball but no longer its .debian.tar.xz: apt-get
        // then exits 100 after the orig is already downloaded.
        var fakeApt = f.WriteScript("apt-get", $"cp '{tarball}' tiny_1.0.orig.tar.gz\necho 'E: Failed to fetch some archives.' >&2\nexit 100\n");
        var project = f.WritePackage("tiny", $"""
            <Project Sdk="Distri.Sdk">
              <PropertyGroup>
                <Version>1.0</Version>
              </PropertyGroup>
              <ItemGroup>
                <Source Include="http://127.0.0.1:9/tiny-1.0.tar.gz" Sha256="{PackageFixture.Sha256(tarball)}" DebianSource="tiny" DebianVersion="1.0-2" />
              </ItemGroup>
            </Project>
            """);

        var result = f.Build(project, $"-p:DistriAptGet={fakeApt}");

        Assert.AreEqual(0, result.ExitCode, result.StandardOutput);
        Assert.IsTrue(File.Exists(Path.Combine(f.Artifacts, "sources", PackageFixture.Sha256(tarball))), "cached under the verified hash");
    }

    [TestMethod]
    public void AnUnservedDebianVersionIsReplacedByAServedOneWithTheSameUpstreamTarballAndAWarning()
    {
        using var f = new PackageFixture();
        var tarball = f.MakeTinyTarball();
        var archive = new LocalDebianArchive(f["debian"]);
        archive.Add("tiny", "1.0-1", tarball, served: false);
        archive.Add("tiny", "1.0-1+deb12u1", tarball);
        archive.Publish();
        var project = f.WritePackage("tiny", DebianOnlyPackage(PackageFixture.Sha256(tarball), "1.0-1"));

        var result = f.Build(project, $"-p:DistriAptGet={archive.AptGet}", $"-p:DistriAptCache={archive.AptCache}");

        Assert.AreEqual(0, result.ExitCode, result.StandardOutput);
        var warning = result.StandardOutput.Split('\n').FirstOrDefault(l => l.Contains("warning DST2007", StringComparison.Ordinal));
        Assert.IsNotNull(warning, "the replacement is announced:\n" + result.StandardOutput);
        StringAssert.Contains(warning, "tiny=1.0-1 is no longer served; used tiny=1.0-1+deb12u1");
        Assert.AreEqual(PackageFixture.LineContaining(project, "<Source"), PackageFixture.LineOf(warning, project), "the warning points at the Source to re-pin");
        Assert.IsTrue(File.Exists(Path.Combine(f.Repository, "tiny-amd64-1.0-1.squashfs")));
    }

    [TestMethod]
    public void AServedVersionWithAnotherUpstreamTarballIsNeverUsed()
    {
        using var f = new PackageFixture();
        var tarball = f.MakeTinyTarball();
        var other = f.MakeTinyTarball("tiny-1.1");
        var archive = new LocalDebianArchive(f["debian"]);
        archive.Add("tiny", "1.0-1", tarball, served: false);
        archive.Add("tiny", "1.1-1", other);
        archive.Publish();
        var project = f.WritePackage("tiny", DebianOnlyPackage(PackageFixture.Sha256(tarball), "1.0-1"));

        var result = f.Build(project, $"-p:DistriAptGet={archive.AptGet}", $"-p:DistriAptCache={archive.AptCache}");

        Assert.AreNotEqual(0, result.ExitCode);
        Assert.AreNotEqual(0, PackageFixture.Errors(result, "DST2001").Count, result.StandardOutput);
        StringAssert.Contains(result.StandardOutput, "other served versions of Debian source tiny (1.1-1, 1.0-1): none has an upstream tarball with the declared sha256");
        Assert.IsFalse(File.Exists(Path.Combine(f.Artifacts, "sources", PackageFixture.Sha256(other))), "nothing of another tarball is kept");
    }

    /// <summary>A package whose only reachable origin is the Debian archive (its URL refuses connections).</summary>
    private static string DebianOnlyPackage(string sha256, string debianVersion) => $"""
        <Project Sdk="Distri.Sdk">
          <PropertyGroup>
            <Version>1.0</Version>
          </PropertyGroup>
          <ItemGroup>
            <Source Include="http://127.0.0.1:9/tiny-1.0.tar.gz" Sha256="{sha256}"
                    DebianSource="tiny" DebianVersion="{debianVersion}" />
          </ItemGroup>
        </Project>
        """;
}
