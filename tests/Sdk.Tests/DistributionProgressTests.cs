using System.Text.Json;
using Distri.Testing;

namespace Sdk.Tests;

/// <summary>
/// How `dotnet build build.proj` shows its progress: it counts every package the build involves
/// (dependencies pulled in transitively included), and each package that builds prints
/// "[done/total done, h:mm:ss]" lines when it starts and ends; without a distribution build, none.
/// </summary>
[TestClass]
public sealed class DistributionProgressTests
{
    [TestMethod]
    public void TheBuildClosureHoldsThePackageAndEveryTransitiveDependencyOnce()
    {
        using var f = new PackageFixture();
        f.WritePackage("base", f.TinyPackage("base"));
        f.WritePackage("lib", f.TinyPackage("lib", """<Dependency Include="base" />"""));
        f.WritePackage("tool", f.TinyPackage("tool", """<Dependency Include="base" />"""));
        var app = f.WritePackage("app", f.TinyPackage("app", """<Dependency Include="lib" /><RuntimeDependency Include="tool" />"""));

        var result = f.Build(app, "-t:GetDistriBuildClosure", "-getTargetResult:GetDistriBuildClosure");

        Assert.AreEqual(0, result.ExitCode, result.StandardOutput + result.StandardError);
        var items = JsonDocument.Parse(result.StandardOutput).RootElement
            .GetProperty("TargetResults").GetProperty("GetDistriBuildClosure").GetProperty("Items");
        var names = items.EnumerateArray().Select(i => Path.GetFileNameWithoutExtension(i.GetProperty("Identity").GetString()!)).Order().ToArray();
        CollectionAssert.AreEqual(new[] { "app", "base", "lib", "tool" }, names);
    }

    [TestMethod]
    public void AProgressLineCountsTheFinishedPackagesAndTheElapsedTime()
    {
        using var temp = new TempDirectory();
        var status = Directory.CreateDirectory(Path.Combine(temp.Path, "status")).FullName;
        File.WriteAllText(Path.Combine(status, "zlib.status"), "built\t3.0\tzlib-amd64-1.2.13-1");
        File.WriteAllText(Path.Combine(status, "ncurses.status"), "up-to-date\t0.1\tncurses-amd64-6.4-1");
        // What build.proj writes while it runs: the packages it involves and when it started.
        File.WriteAllText(Path.Combine(status, "progress"), $"7 {DateTime.UtcNow.AddSeconds(-3725).Ticks}\n");
        File.WriteAllText(Path.Combine(temp.Path, "progress.proj"), $"""
            <Project>
              <UsingTask TaskName="Distri.Tasks.Reporting.ReportProgress" AssemblyFile="{RepoPaths.Root}/artifacts/tasks/Distri.Tasks.dll" TaskFactory="TaskHostFactory" />
              <Target Name="Build">
                <ReportProgress StatusDirectory="{status}" Text="building zsh-amd64-5.9-1" />
              </Target>
            </Project>
            """);

        var result = ExternalTool.Run("dotnet", ["msbuild", "progress.proj", "-nologo", "-nodeReuse:false"], temp.Path);

        Assert.AreEqual(0, result.ExitCode, result.StandardOutput);
        // 1:02:05 and the seconds the task host took to start.
        StringAssert.Matches(result.StandardOutput, new System.Text.RegularExpressions.Regex(@"\[2/7 done, 1:02:[0-5]\d\] building zsh-amd64-5\.9-1"));
    }

    [TestMethod]
    public void WithoutADistributionBuildThereIsNoProgressLine()
    {
        using var temp = new TempDirectory();
        var status = Directory.CreateDirectory(Path.Combine(temp.Path, "status")).FullName;
        File.WriteAllText(Path.Combine(temp.Path, "progress.proj"), $"""
            <Project>
              <UsingTask TaskName="Distri.Tasks.Reporting.ReportProgress" AssemblyFile="{RepoPaths.Root}/artifacts/tasks/Distri.Tasks.dll" TaskFactory="TaskHostFactory" />
              <Target Name="Build">
                <ReportProgress StatusDirectory="{status}" Text="building zsh-amd64-5.9-1" />
              </Target>
            </Project>
            """);

        var result = ExternalTool.Run("dotnet", ["msbuild", "progress.proj", "-nologo", "-nodeReuse:false"], temp.Path);

        Assert.AreEqual(0, result.ExitCode, result.StandardOutput);
        Assert.IsFalse(result.StandardOutput.Contains("done,", StringComparison.Ordinal), result.StandardOutput);
    }
}
