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
        var fakeApt = Path.Combine(f.Root, "apt-get");
        File.WriteAllText(fakeApt, $"#!/bin/sh\n[ \"$1 $2\" = 'source --download-only' ] || exit 2\ncase \"$4\" in tiny=1.0-2) ;; *) exit 3;; esac\ncp '{tarball}' tiny_1.0.orig.tar.gz\necho sig > tiny_1.0.orig.tar.gz.asc\n");
        File.SetUnixFileMode(fakeApt, (UnixFileMode)0b111_101_101);
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
        var fakeApt = Path.Combine(f.Root, "apt-get");
        File.WriteAllText(fakeApt, $"#!/bin/sh\ncp '{tarball}' tiny_1.0.orig.tar.gz\necho 'E: Failed to fetch some archives.' >&2\nexit 100\n");
        File.SetUnixFileMode(fakeApt, (UnixFileMode)0b111_101_101);
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
}
