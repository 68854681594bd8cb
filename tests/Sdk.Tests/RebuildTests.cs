using Distri.Testing;

namespace Sdk.Tests;

/// <summary>
/// Incremental builds across a dependency edge: a changed definition rebuilds that package and its
/// reverse dependencies, never the packages it depends on. Tiny tarball packages made in the test.
/// </summary>
[TestClass]
public sealed class RebuildTests
{
    [TestMethod]
    public void ChangingALeafRebuildsOnlyItAndChangingADependencyRebuildsItsReverseDependencies()
    {
        using var f = new PackageFixture();
        var dependency = f.WritePackage("base", f.TinyPackage("base"));
        var leaf = f.WritePackage("top", f.TinyPackage("top", """<Dependency Include="base" />"""));
        Built(f.Build(leaf));
        var baseImage = Path.Combine(f.Repository, "base-amd64-1.0-1.squashfs");
        var topImage = Path.Combine(f.Repository, "top-amd64-1.0-1.squashfs");
        Assert.IsTrue(File.Exists(baseImage) && File.Exists(topImage), "the first build did not publish both images");
        var (base0, top0) = (Stamp(baseImage), Stamp(topImage));

        // A no-op build rebuilds nothing.
        Built(f.Build(leaf));
        Assert.AreEqual(base0, Stamp(baseImage), "an unchanged dependency was rebuilt");
        Assert.AreEqual(top0, Stamp(topImage), "an unchanged package was rebuilt");

        // The input digest is of the definition's content: a comment is a change.
        File.AppendAllText(leaf, "<!-- changed -->\n");
        Built(f.Build(leaf));
        Assert.AreEqual(base0, Stamp(baseImage), "changing the leaf rebuilt its dependency");
        var top1 = Stamp(topImage);
        Assert.AreNotEqual(top0, top1, "changing the leaf did not rebuild it");

        File.AppendAllText(dependency, "<!-- changed -->\n");
        Built(f.Build(leaf));
        Assert.AreNotEqual(base0, Stamp(baseImage), "changing the dependency did not rebuild it");
        Assert.AreNotEqual(top1, Stamp(topImage), "changing the dependency did not rebuild its reverse dependency");
    }

    private static void Built(ExternalTool.Result result) => Assert.AreEqual(0, result.ExitCode, result.StandardOutput + result.StandardError);

    // Images are reproducible (same inputs, same bytes), so only the write time tells a rebuild
    // from a skipped one; ext4's nanosecond times do not repeat between two builds.
    private static DateTime Stamp(string image) => File.GetLastWriteTimeUtc(image);
}
