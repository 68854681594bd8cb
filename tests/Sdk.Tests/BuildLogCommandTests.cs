using Distri.Testing;

namespace Sdk.Tests;

/// <summary>`distri log NAME`: the newest build log of a package, paged on a terminal, plain otherwise.</summary>
[TestClass]
public sealed class BuildLogCommandTests
{
    [TestMethod]
    public void TheNewestLogOfThePackageIsWrittenAsItIsWhenStdoutIsNoTerminal()
    {
        using var temp = new TempDirectory("log");
        WriteLogs(temp);

        var output = DistriCli.Check("log", "tiny", "--artifacts", temp["artifacts"]);

        Assert.AreEqual("=== build: second build\n", output, "revision 2's log (the newest), not tiny-extra's");
    }

    [TestMethod]
    public void APackageFolderNamesThePackageItsDefinitionDeclares()
    {
        using var temp = new TempDirectory("log");
        WriteLogs(temp);
        var folder = temp.CreateDirectory("pkgs/tiny-folder");
        File.WriteAllText(Path.Combine(folder, "tiny-folder.distpkg"), "<Project><PropertyGroup><PackageName>tiny</PackageName></PropertyGroup></Project>");

        StringAssert.Contains(DistriCli.Check("log", folder, "--artifacts", temp["artifacts"]), "second build");
    }

    [TestMethod]
    public void OnATerminalTheLogGoesThroughThePager()
    {
        var script = Requires.Tool("script");
        using var temp = new TempDirectory("log");
        WriteLogs(temp);
        var command = $"'{DistriCli.Dotnet}' '{DistriCli.Dll}' log tiny --artifacts '{temp["artifacts"]}'";

        var result = ExternalTool.Run(script, ["-qec", command, "/dev/null"], environment: new Dictionary<string, string> { ["PAGER"] = "sed s/^/paged:/" });

        Assert.AreEqual(0, result.ExitCode, result.StandardOutput + result.StandardError);
        StringAssert.Contains(result.StandardOutput, "paged:=== build: second build");
    }

    [TestMethod]
    public void APackageWithoutALogIsOneLineNamingWhereItLooked()
    {
        using var temp = new TempDirectory("log");
        WriteLogs(temp);

        var result = DistriCli.Run("log", "nosuch", "--artifacts", temp["artifacts"]);

        Assert.AreEqual(1, result.ExitCode);
        Assert.AreEqual($"distri log: no build log of nosuch in {temp["artifacts/logs"]} (build it first: dotnet build pkgs/nosuch)", result.StandardError.Trim());
    }

    /// <summary>Two builds of tiny (revision 2 the newer) and a newer one of tiny-extra, whose name starts alike.</summary>
    private static void WriteLogs(TempDirectory temp)
    {
        var logs = temp.CreateDirectory("artifacts/logs");
        var now = DateTime.UtcNow;
        foreach (var (file, text, age) in new[] { ("tiny-amd64-1.0-1.log", "first build", 3), ("tiny-amd64-1.0-2.log", "second build", 2), ("tiny-extra-amd64-1.0-1.log", "another package", 1) })
        {
            var path = Path.Combine(logs, file);
            File.WriteAllText(path, $"=== build: {text}\n");
            File.SetLastWriteTimeUtc(path, now.AddMinutes(-age));
        }
    }
}
