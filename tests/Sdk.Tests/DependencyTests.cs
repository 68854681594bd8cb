using Distri.Packages;
using Distri.Testing;

namespace Sdk.Tests;

/// <summary>Packages depending on packages: build order, closures, unbuilt dependencies, cycles.</summary>
[TestClass]
public sealed class DependencyTests
{
    [TestMethod]
    public void DependenciesBuildFirstAndTheRuntimeClosureIsTransitive()
    {
        using var f = new PackageFixture();
        f.WritePackage("base", f.TinyPackage("base"));
        f.WritePackage("mid", f.TinyPackage("mid", """<RuntimeDependency Include="base" />"""));
        var top = f.WritePackage("top", f.TinyPackage("top", """<RuntimeDependency Include="mid" /><Dependency Include="base" />"""));

        var result = f.Build(top);

        Assert.AreEqual(0, result.ExitCode, result.StandardOutput);
        var meta = Yaml.ReadMeta(Path.Combine(f.Repository, "top-amd64-1.0-1.meta.yaml"));
        CollectionAssert.AreEqual(new[] { "base-amd64-1.0-1", "mid-amd64-1.0-1" }, meta.RuntimeDependencies);
        Assert.AreEqual(3, Yaml.ReadIndex(Path.Combine(f.Repository, "index.yaml")).Packages.Count);
    }

    [TestMethod]
    public void UnbuiltDependencyIsDST1006AtItsLine()
    {
        using var f = new PackageFixture();
        f.WritePackage("base", f.TinyPackage("base"));
        var top = f.WritePackage("top", f.TinyPackage("top", """<Dependency Include="base" />"""));

        var result = f.Build(top, "-p:BuildProjectReferences=false");

        Assert.AreNotEqual(0, result.ExitCode);
        var error = PackageFixture.Errors(result, "DST1006").FirstOrDefault() ?? "";
        Assert.AreEqual(PackageFixture.LineContaining(top, "<Dependency"), PackageFixture.LineOf(error, top), result.StandardOutput);
        StringAssert.Contains(error, "base-amd64-1.0-1");
    }

    [TestMethod]
    public void DependencyCycleIsDST1010NamingTheCycle()
    {
        using var f = new PackageFixture();
        f.WritePackage("a", f.TinyPackage("a", """<Dependency Include="b" />"""));
        var b = f.WritePackage("b", f.TinyPackage("b", """<Dependency Include="a" />"""));

        var result = f.Build(b);

        Assert.AreNotEqual(0, result.ExitCode);
        var error = PackageFixture.Errors(result, "DST1010").FirstOrDefault() ?? "";
        StringAssert.Contains(error, "b -> a -> b", result.StandardOutput);
    }
}
