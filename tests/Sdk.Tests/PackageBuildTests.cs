using Distri.Packages;
using Distri.Testing;

namespace Sdk.Tests;

/// <summary>Builds tiny packages from tarballs made in the test: no network, no Debian archive.</summary>
[TestClass]
public sealed class PackageBuildTests
{
    private static string TinyPackage(string tarball, string extraProperties = "", string extraItems = "", string builder = "autotools") => $"""
        <Project Sdk="Distri.Sdk">
          <PropertyGroup>
            <Version>1.0</Version>
            <Revision>3</Revision>
            <Builder>{builder}</Builder>
            {extraProperties}
          </PropertyGroup>
          <ItemGroup>
            <Source Include="file://{tarball}" Sha256="{PackageFixture.Sha256(tarball)}" />
            {extraItems}
          </ItemGroup>
        </Project>
        """;

    [TestMethod]
    public void TinyAutotoolsPackageBuildsIntoImageMetaAndIndex()
    {
        using var f = new PackageFixture();
        var project = f.WritePackage("tiny", TinyPackage(f.MakeTinyTarball(), extraItems: """
            <PostInstall Include="symlink" Path="out/bin/tiny-alias" LinkTarget="tiny" />
            <ExchangeDir Include="lib/host/modules" Host="host" />
            """));

        var result = f.Build(project);

        Assert.AreEqual(0, result.ExitCode, result.StandardOutput);
        var image = Path.Combine(f.Repository, "tiny-amd64-1.0-3.squashfs");
        var bytes = File.ReadAllBytes(image);
        CollectionAssert.AreEqual("hsqs"u8.ToArray(), bytes[..4], "a SquashFS superblock");
        var meta = Yaml.ReadMeta(Path.Combine(f.Repository, "tiny-amd64-1.0-3.meta.yaml"));
        Assert.AreEqual("tiny", meta.Name);
        Assert.AreEqual("1.0", meta.Version);
        Assert.AreEqual(3, meta.Revision);
        Assert.AreEqual(bytes.Length, meta.ImageSize);
        Assert.AreEqual(PackageFixture.Sha256(image), meta.ImageSha256);
        StringAssert.StartsWith(meta.InputDigest, "sha256:");
        Assert.AreEqual("host", meta.ExchangeDirectories.Single().Host);
        var index = Yaml.ReadIndex(Path.Combine(f.Repository, "index.yaml"));
        Assert.AreEqual("tiny-amd64-1.0-3", index.Packages.Single().FullName);
        // The install went through DESTDIR under the package's own /ro prefix.
        Assert.IsTrue(File.Exists(Path.Combine(f.Artifacts, "build/tiny-amd64-1.0-3/dest/ro/tiny-amd64-1.0-3/out/bin/tiny")));
        Assert.AreEqual("tiny", new FileInfo(Path.Combine(f.Artifacts, "build/tiny-amd64-1.0-3/dest/ro/tiny-amd64-1.0-3/out/bin/tiny-alias")).LinkTarget);
        StringAssert.Contains(File.ReadAllText(Path.Combine(f.Artifacts, "logs/tiny-amd64-1.0-3.log")), "checking for a tiny package... yes");
    }

    [TestMethod]
    public void SecondBuildWithNothingChangedDoesNoWork()
    {
        using var f = new PackageFixture();
        var project = f.WritePackage("tiny", TinyPackage(f.MakeTinyTarball()));
        Assert.AreEqual(0, f.Build(project).ExitCode);
        var image = Path.Combine(f.Repository, "tiny-amd64-1.0-3.squashfs");
        var written = File.GetLastWriteTimeUtc(image);

        var second = f.Build(project);

        Assert.AreEqual(0, second.ExitCode, second.StandardOutput);
        StringAssert.Contains(second.StandardOutput, "tiny-amd64-1.0-3 is up to date");
        Assert.IsFalse(second.StandardOutput.Contains("configure:", StringComparison.Ordinal), "no step ran");
        Assert.AreEqual(written, File.GetLastWriteTimeUtc(image));
        StringAssert.StartsWith(File.ReadAllText(Path.Combine(f.Artifacts, "status/tiny.status")), "up-to-date");
    }

    [TestMethod]
    public void ARebuildGivesTheSameImageBytes()
    {
        using var f = new PackageFixture();
        var tarball = f.MakeTinyTarball();
        var project = f.WritePackage("tiny", TinyPackage(tarball));
        Assert.AreEqual(0, f.Build(project).ExitCode);
        var image = Path.Combine(f.Repository, "tiny-amd64-1.0-3.squashfs");
        var first = File.ReadAllBytes(image);

        // Rebuild = Clean (the published files too) + Build: every step runs again.
        var second = f.Build(project, "-t:Rebuild");

        Assert.AreEqual(0, second.ExitCode, second.StandardOutput);
        StringAssert.Contains(second.StandardOutput, "configure:");
        CollectionAssert.AreEqual(first, File.ReadAllBytes(image), "the rebuild is byte-identical");
    }
}
