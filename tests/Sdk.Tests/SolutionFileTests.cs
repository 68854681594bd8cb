using Distri.Packages;
using Distri.Testing;

namespace Sdk.Tests;

/// <summary>build.proj writes the <c>&lt;name&gt;.slnx</c> a package folder lacks, so `dotnet build pkgs/&lt;name&gt;` works.</summary>
[TestClass]
public sealed class SolutionFileTests
{
    [TestMethod]
    public void BuildProjWritesAMissingSolutionAndTheFolderThenBuilds()
    {
        using var f = new PackageFixture();
        var project = f.WritePackage("tiny", f.TinyPackage("tiny"));
        var own = Path.ChangeExtension(f.WritePackage("other", f.TinyPackage("other")), ".slnx");
        File.WriteAllText(own, "<Solution><!-- the packager's own --></Solution>\n");
        File.Copy(Path.Combine(RepoPaths.Root, "pkgs", "Directory.Solution.targets"), f["pkgs/Directory.Solution.targets"]);

        var result = ExternalTool.Run("dotnet", ["build", Path.Combine(RepoPaths.Root, "build.proj"), "-t:WriteMissingSolutions", "-nologo", "-nodeReuse:false", $"-p:DistriPackagesDir={f["pkgs"]}/"],
            f.Root, new Dictionary<string, string> { ["MSBUILDDISABLENODEREUSE"] = "1", ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1" }, TimeSpan.FromMinutes(10));

        Assert.AreEqual(0, result.ExitCode, result.StandardOutput);
        Assert.AreEqual(PackageSolution.Content(project), File.ReadAllText(Path.ChangeExtension(project, ".slnx")));
        Assert.AreEqual("<Solution><!-- the packager's own --></Solution>\n", File.ReadAllText(own), "an existing solution is never replaced");
        var build = f.Build(f["pkgs/tiny"]);
        Assert.AreEqual(0, build.ExitCode, build.StandardOutput);
        Assert.IsTrue(File.Exists(Path.Combine(f.Repository, "tiny-amd64-1.0-1.squashfs")));
    }

    [TestMethod]
    public void TheWrittenSolutionIsTheOneEveryPackageInTheRepositoryHas()
    {
        foreach (var definition in Directory.EnumerateFiles(Path.Combine(RepoPaths.Root, "pkgs"), "*.distpkg", SearchOption.AllDirectories))
            Assert.AreEqual(File.ReadAllText(PackageSolution.PathFor(definition)), PackageSolution.Content(definition), definition);
    }
}
