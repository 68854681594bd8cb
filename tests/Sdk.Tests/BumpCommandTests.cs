using Distri.Packages;
using Distri.Testing;

namespace Sdk.Tests;

/// <summary>`distri bump`: raises revisions in the .distpkg files in place, a dry run unless -w.</summary>
[TestClass]
public sealed class BumpCommandTests
{
    private const string WithoutRevision = """
        <Project Sdk="Distri.Sdk">
          <!-- the package's own comment -->
          <PropertyGroup>
            <Version>1.0</Version>   <!-- upstream -->
          </PropertyGroup>
        </Project>
        """;

    [TestMethod]
    public void ADryRunPrintsTheChangesAndWritesNothing()
    {
        using var temp = new TempDirectory("bump");
        var path = Write(temp, "a", WithoutRevision);

        var result = DistriCli.Run("bump", "a", "--pkgs", temp["pkgs"]);

        Assert.AreEqual(0, result.ExitCode, result.StandardError);
        StringAssert.Contains(result.StandardOutput, "a: revision 1 -> 2");
        Assert.AreEqual(WithoutRevision, File.ReadAllText(path));
    }

    [TestMethod]
    public void AMissingRevisionIsAddedAfterTheVersionAndEverythingElseStays()
    {
        using var temp = new TempDirectory("bump");
        var path = Write(temp, "a", WithoutRevision);

        Assert.AreEqual(0, DistriCli.Run("bump", "a", "-w", "--pkgs", temp["pkgs"]).ExitCode);

        Assert.AreEqual(WithoutRevision.Replace("<!-- upstream -->\n", "<!-- upstream -->\n    <Revision>2</Revision>\n"), File.ReadAllText(path));
        Assert.AreEqual(2, PackageDefinition.Read(path).Revision);
    }

    [TestMethod]
    public void ReverseRaisesEveryTransitiveDependentAndNothingElse()
    {
        using var temp = new TempDirectory("bump");
        Write(temp, "a", "<Project><PropertyGroup><Revision>4</Revision></PropertyGroup></Project>");
        Write(temp, "b", """<Project><PropertyGroup><Revision>1</Revision></PropertyGroup><ItemGroup><Dependency Include="a" /></ItemGroup></Project>""");
        Write(temp, "c", """<Project><PropertyGroup><Revision>7</Revision></PropertyGroup><ItemGroup><RuntimeDependency Include="b" /></ItemGroup></Project>""");
        Write(temp, "d", "<Project><PropertyGroup><Revision>1</Revision></PropertyGroup></Project>");

        Assert.AreEqual(0, DistriCli.Run("bump", "a", "--reverse", "-w", "--pkgs", temp["pkgs"]).ExitCode);

        var revisions = new[] { "a", "b", "c", "d" }.Select(n => PackageDefinition.Read(temp[$"pkgs/{n}/{n}.distpkg"]).Revision).ToArray();
        CollectionAssert.AreEqual(new[] { 5, 2, 8, 1 }, revisions);
    }

    [TestMethod]
    public void NamingASplitPartOrADebugImageBumpsItsPackageAndItsDependents()
    {
        using var temp = new TempDirectory("bump");
        Write(temp, "lib", """<Project><PropertyGroup><Revision>3</Revision></PropertyGroup><ItemGroup><Split Include="lib-dev" Paths="out/include/**" /></ItemGroup></Project>""");
        Write(temp, "app", """<Project><PropertyGroup><Revision>1</Revision></PropertyGroup><ItemGroup><Dependency Include="lib" /></ItemGroup></Project>""");

        var result = DistriCli.Run("bump", "lib-dev", "app-debug", "--reverse", "-w", "--pkgs", temp["pkgs"]);

        Assert.AreEqual(0, result.ExitCode, result.StandardError);
        StringAssert.Contains(result.StandardOutput, "lib-dev is part of lib");
        CollectionAssert.AreEqual(new[] { 4, 2 }, new[] { "lib", "app" }.Select(n => PackageDefinition.Read(temp[$"pkgs/{n}/{n}.distpkg"]).Revision).ToArray());
    }

    private static string Write(TempDirectory temp, string name, string text)
    {
        var path = Path.Combine(temp.CreateDirectory($"pkgs/{name}"), name + PackageDefinition.Extension);
        File.WriteAllText(path, text);
        return path;
    }
}
