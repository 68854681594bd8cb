using System.Text.RegularExpressions;
using System.Xml.Linq;
using Distri.Testing;

namespace Sdk.Tests;

/// <summary>
/// The distribution build's summary when ncurses fails (zsh and less depend on it; hello does not):
/// ncurses is the one failure, its dependents are "not built (ncurses failed)", and the same goes to
/// a JUnit XML report.
/// </summary>
[TestClass]
public sealed class BuildSummaryTests
{
    [TestMethod]
    public void DependentsOfAFailureAreNotBuiltNamingTheRootFailureAndTheJUnitReportSaysTheSame()
    {
        using var f = new PackageFixture();
        f.WritePackage("hello", "<Project />");
        f.WritePackage("ncurses", "<Project />");
        f.WritePackage("zsh", """<Project><ItemGroup><Dependency Include="ncurses" /></ItemGroup></Project>""");
        f.WritePackage("less", """<Project><ItemGroup><Dependency Include="zsh" /></ItemGroup></Project>""");
        var status = Directory.CreateDirectory(f["artifacts/status"]).FullName;
        File.WriteAllText(Path.Combine(status, "hello.status"), "built\t3.0\thello-amd64-2.10-1");
        File.WriteAllText(Path.Combine(status, "ncurses.status"), "failed\t1.0\tncurses-amd64-6.4-1");
        // zsh's own build fails when its dependency's does: it records "failed" too.
        File.WriteAllText(Path.Combine(status, "zsh.status"), "failed\t1.0\tzsh-amd64-5.9-1");
        Directory.CreateDirectory(f["artifacts/logs"]);
        File.WriteAllText(f["artifacts/logs/ncurses-amd64-6.4-1.log"], "configure: error: no C compiler\n");
        var report = Path.Combine(status, "packages.junit.xml");
        // The task as build.proj runs it, in a project of its own.
        File.WriteAllText(f["summary.proj"], $"""
            <Project>
              <UsingTask TaskName="Distri.Tasks.Reporting.PrintBuildSummary" AssemblyFile="{RepoPaths.TasksAssembly}" TaskFactory="TaskHostFactory" />
              <Target Name="Build">
                <ItemGroup><Package Include="pkgs/*/*.distpkg" /></ItemGroup>
                <PrintBuildSummary Packages="@(Package)" StatusDirectory="{status}" PackagesDirectory="pkgs" LogsDirectory="artifacts/logs" ReportFile="{report}" />
              </Target>
            </Project>
            """);

        var result = ExternalTool.Run("dotnet", ["msbuild", "summary.proj", "-nologo", "-nodeReuse:false"], f.Root);

        Assert.AreEqual(0, result.ExitCode, result.StandardOutput);
        var output = result.StandardOutput;
        StringAssert.Matches(output, new Regex(@"ncurses-amd64-6\.4-1\s+failed\s"));
        StringAssert.Matches(output, new Regex(@"zsh-amd64-5\.9-1\s+not built \(ncurses failed\)"));
        StringAssert.Matches(output, new Regex(@"less\s+not built \(ncurses failed\)"));
        StringAssert.Contains(output, "1 built, 0 from cache, 0 up to date, 1 failed, 2 not built");
        var suite = XDocument.Load(report).Root!.Element("testsuite")!;
        Assert.AreEqual("4", suite.Attribute("tests")!.Value);
        var failure = suite.Elements("testcase").Single(c => c.Element("failure") is not null);
        Assert.AreEqual("ncurses-amd64-6.4-1", failure.Attribute("name")!.Value);
        StringAssert.Contains(failure.Element("failure")!.Value, "no C compiler");
        CollectionAssert.AreEquivalent(new[] { "not built (ncurses failed)", "not built (ncurses failed)" },
            suite.Elements("testcase").Select(c => c.Element("skipped")?.Attribute("message")?.Value).OfType<string>().ToArray());
    }
}
