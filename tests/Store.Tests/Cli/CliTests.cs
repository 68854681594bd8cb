using Distri.Linux;
using Distri.Testing;
using Store.Tests.Fixtures;

namespace Store.Tests.Cli;

[TestClass]
public sealed class CliTests
{
    [TestMethod]
    public void InstallPrintsTheSummaryLineAndListShowsVersionsAndSizes()
    {
        using var temp = new TempDirectory("cli");
        var repository = TestRepository.CreateStandard(temp["repo"]);

        var output = DistriCli.Check("install", "--root", temp["root"], "--repo", repository.BasePath, "zsh");

        StringAssert.Matches(output, new System.Text.RegularExpressions.Regex(@"installed 3 packages \(\d+\.\d MB\) in \d+\.\d\d s, \d+\.\d MB/s"));
        var list = DistriCli.Check("list", "--root", temp["root"]);
        StringAssert.Matches(list, new System.Text.RegularExpressions.Regex(@"zsh-amd64\s+5\.9-2\s+\d+\.\d MB"));
        StringAssert.Contains(list, "3 packages");
    }

    [TestMethod]
    public void AnUnknownPackageExitsNonZeroWithOneMessageAndNoStackTrace()
    {
        using var temp = new TempDirectory("cli");
        var repository = TestRepository.CreateStandard(temp["repo"]);
        var configuration = Directory.CreateDirectory(Path.Combine(temp["root"], "etc", "distri", "repos.d")).FullName;
        File.WriteAllText(Path.Combine(configuration, "test.repo"), repository.BasePath + "\n");

        var result = DistriCli.Run("install", "--root", temp["root"], "zsh", "bassh");

        Assert.AreEqual(1, result.ExitCode);
        Assert.AreEqual("distri install: unknown package 'bassh' (did you mean bash?); nothing installed", result.StandardError.Trim());
        Assert.IsFalse(Directory.Exists(Path.Combine(temp["root"], "roimg")) && Directory.EnumerateFiles(Path.Combine(temp["root"], "roimg")).Any());
    }

    [TestMethod]
    public void AHashMismatchExitsNonZeroNamingExpectedAndActual()
    {
        using var temp = new TempDirectory("cli");
        var repository = TestRepository.CreateStandard(temp["repo"]);
        File.AppendAllText(repository.MetaPath("bash-amd64-5.2-1"), "# changed\n");

        var result = DistriCli.Run("install", "--root", temp["root"], "--repo", repository.BasePath, "bash");

        Assert.AreEqual(1, result.ExitCode);
        StringAssert.Contains(result.StandardError, "bash-amd64-5.2-1.meta.yaml from");
        StringAssert.Contains(result.StandardError, "size mismatch: expected");
        StringAssert.Contains(result.StandardOutput, "installed 0 packages");
    }

    [TestMethod]
    public void IndexRebuildsTheIndexFromTheMetas()
    {
        using var temp = new TempDirectory("cli");
        var repository = TestRepository.CreateStandard(temp["repo"]);
        File.Delete(Path.Combine(repository.PackageDirectory, "index.yaml"));

        StringAssert.Contains(DistriCli.Check("index", repository.BasePath), "5 packages");
        Assert.IsTrue(File.Exists(Path.Combine(repository.PackageDirectory, "index.yaml")));
    }

    [TestMethod]
    public async Task ExportServesOnLoopbackAndExitsOnSigterm()
    {
        using var temp = new TempDirectory("cli");
        var repository = TestRepository.CreateStandard(temp["repo"]);
        using var export = await DistriExport.StartAsync(repository.BasePath);
        StringAssert.StartsWith(export.BaseUri.ToString(), "http://127.0.0.1:");
        using var client = new HttpClient();
        StringAssert.Contains(await client.GetStringAsync(new Uri(export.BaseUri, "pkg/index.yaml")), "fullName: zsh-amd64-5.9-2");

        LibC.Signal(export.Process.Id, LibC.SIGTERM);
        await export.Process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.AreEqual(0, export.Process.ExitCode);
    }
}
