using Distri.Packages;
using Distri.Testing;

namespace Packages.Tests;

/// <summary>
/// The graph `distri ci`, `distri bump --reverse` and the build summary walk holds the SDK's edges
/// too: every package built with the distri toolchain depends on gcc and glibc, a cmake package on
/// cmake and ninja, the toolchain packages on the toolchain they name — read from this checkout's
/// pkgs/ and sdk/.
/// </summary>
[TestClass]
public sealed class PackageGraphTests
{
    private static readonly PackageGraph Checkout = PackageGraph.Load(Path.Combine(RepoPaths.Root, "pkgs"));

    [TestMethod]
    public void APackageOnTheDistriToolchainDependsOnTheWholeToolchain()
    {
        var closure = Checkout.Closure("zsh");
        foreach (var tool in new[] { "glibc", "linux-headers", "binutils", "gcc", "gcc-libs", "bash", "coreutils", "make", "perl", "ncurses" })
            Assert.Contains(tool, closure);
    }

    [TestMethod]
    public void ABuildersToolsAreDependenciesButNeverOfThemselves()
    {
        CollectionAssert.IsSubsetOf(new[] { "cmake", "ninja" }, Checkout.DependenciesOf("json-c").ToList());
        CollectionAssert.IsSubsetOf(new[] { "python3", "meson", "ninja" }, Checkout.DependenciesOf("fribidi").ToList());
        CollectionAssert.Contains(Checkout.DependenciesOf("ninja").ToList(), "cmake");
        CollectionAssert.DoesNotContain(Checkout.DependenciesOf("ninja").ToList(), "ninja");
        CollectionAssert.DoesNotContain(Checkout.DependenciesOf("cmake").ToList(), "cmake");
    }

    [TestMethod]
    public void ToolchainPackagesDependOnTheToolchainTheyNameNotOnTheOneTheyAreIn()
    {
        CollectionAssert.AreEquivalent(new[] { "seed" }, Checkout.DependenciesOf("glibc").ToList());
        CollectionAssert.AreEquivalent(new[] { "seed", "glibc", "linux-headers" }, Checkout.DependenciesOf("gcc").ToList());
        Assert.IsEmpty(Checkout.DependenciesOf("seed"));
    }

    [TestMethod]
    public void TheWholeDistributionOrdersIntoLevelsWithTheSeedFirst()
    {
        var levels = Checkout.Levels();
        CollectionAssert.AreEqual(new[] { "seed" }, levels[0].ToList());
        int Level(string name) => levels.Select((l, i) => (l, i)).Single(x => x.l.Contains(name)).i;
        Assert.IsLessThan(Level("gcc"), Level("glibc"));
        Assert.IsLessThan(Level("hello"), Level("gcc"));
        Assert.IsLessThan(Level("json-c"), Level("cmake"));
    }

    [TestMethod]
    public void OutsideACheckoutOnlyTheDefinitionsOwnEdgesCount()
    {
        using var temp = new TempDirectory("graph");
        temp.CreateDirectory("pkgs/app");
        File.WriteAllText(temp["pkgs/app/app.distpkg"], """<Project Sdk="Distri.Sdk"><PropertyGroup><Version>1</Version><Builder>cmake</Builder></PropertyGroup></Project>""");
        Assert.IsEmpty(PackageGraph.Load(temp["pkgs"]).DependenciesOf("app"));
    }
}
