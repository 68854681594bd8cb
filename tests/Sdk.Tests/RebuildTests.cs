using Distri.Packages;
using Distri.Testing;

namespace Sdk.Tests;

/// <summary>
/// Rebuilds across a dependency edge under immutable full names: an unchanged package is never
/// rebuilt; a changed one is refused (DST4004) until `distri bump` raises its revision and those of
/// its reverse dependencies, and then publishes new full names beside the old, untouched images.
/// Tiny tarball packages made in the test.
/// </summary>
[TestClass]
public sealed class RebuildTests
{
    [TestMethod]
    public void ANoOpBuildRebuildsNothing()
    {
        using var f = new PackageFixture();
        f.WritePackage("base", f.TinyPackage("base"));
        var top = f.WritePackage("top", f.TinyPackage("top", """<Dependency Include="base" />"""));
        Built(f.Build(top));
        var (baseImage, topImage) = (Path.Combine(f.Repository, "base-amd64-1.0-1.squashfs"), Path.Combine(f.Repository, "top-amd64-1.0-1.squashfs"));
        var (base0, top0) = (Stamp(baseImage), Stamp(topImage));

        var again = f.Build(top);

        Built(again);
        Assert.AreEqual(base0, Stamp(baseImage), "an unchanged dependency was rebuilt");
        Assert.AreEqual(top0, Stamp(topImage), "an unchanged package was rebuilt");
        StringAssert.Contains(again.StandardOutput, "top-amd64-1.0-1 is up to date");
    }

    [TestMethod]
    public void AChangedPackageIsRefusedUntilBumpedThenPublishesNewFullNamesBesideTheOldOnes()
    {
        using var f = new PackageFixture();
        var dependency = f.WritePackage("base", f.TinyPackage("base"));
        var top = f.WritePackage("top", f.TinyPackage("top", """<Dependency Include="base" />"""));
        Built(f.Build(top));
        var oldImages = new[] { "base-amd64-1.0-1.squashfs", "top-amd64-1.0-1.squashfs" }.Select(n => Path.Combine(f.Repository, n)).ToArray();
        var before = oldImages.Select(p => (Stamp(p), PackageFixture.Sha256(p))).ToArray();
        var oldDigest = Yaml.ReadMeta(Path.Combine(f.Repository, "base-amd64-1.0-1.meta.yaml")).InputDigest!;

        // The input digest is of the definition's content: a comment is a change.
        File.AppendAllText(dependency, "<!-- changed -->\n");
        var refused = f.Build(top);

        Assert.AreNotEqual(0, refused.ExitCode, "republishing base-amd64-1.0-1 from other inputs was not refused");
        var error = PackageFixture.Errors(refused, "DST4004").FirstOrDefault() ?? "";
        StringAssert.Contains(error, "base-amd64-1.0-1", refused.StandardOutput);
        StringAssert.Contains(error, oldDigest);
        Assert.AreEqual(2, System.Text.RegularExpressions.Regex.Matches(error, "sha256:[0-9a-f]{64}").Count, "the error names both digests: " + error);
        StringAssert.Contains(error, "distri bump base --reverse -w");

        var bump = DistriCli.Run("bump", "base", "--reverse", "-w", "--pkgs", f["pkgs"]);
        Assert.AreEqual(0, bump.ExitCode, bump.StandardOutput + bump.StandardError);
        Assert.AreEqual(2, PackageDefinition.Read(dependency).Revision);
        Assert.AreEqual(2, PackageDefinition.Read(top).Revision);
        StringAssert.Contains(File.ReadAllText(dependency), "<!-- changed -->", "bump dropped a comment");

        Built(f.Build(top));
        Assert.IsTrue(File.Exists(Path.Combine(f.Repository, "base-amd64-1.0-2.squashfs")), "no new full name for the changed package");
        Assert.IsTrue(File.Exists(Path.Combine(f.Repository, "top-amd64-1.0-2.squashfs")), "no new full name for its reverse dependency");
        CollectionAssert.AreEqual(before, oldImages.Select(p => (Stamp(p), PackageFixture.Sha256(p))).ToArray(), "the old images changed");
    }

    private static void Built(ExternalTool.Result result) => Assert.AreEqual(0, result.ExitCode, result.StandardOutput + result.StandardError);

    // Images are reproducible (same inputs, same bytes), so only the write time tells a rebuild
    // from a skipped one; ext4's nanosecond times do not repeat between two builds.
    private static DateTime Stamp(string image) => File.GetLastWriteTimeUtc(image);
}
