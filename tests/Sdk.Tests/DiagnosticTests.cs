using Distri.Testing;

namespace Sdk.Tests;

/// <summary>Each DST error: its code, and the .distpkg file and line where the mistake is.</summary>
[TestClass]
public sealed class DiagnosticTests
{
    private static (ExternalTool.Result Result, string Project) BuildBroken(PackageFixture f, string body)
    {
        var project = f.WritePackage("broken", body);
        var result = f.Build(project);
        Assert.AreNotEqual(0, result.ExitCode, "the build must fail");
        return (result, project);
    }

    private static void AssertErrorAt(ExternalTool.Result result, string code, string project, int line, params string[] contains)
    {
        var errors = PackageFixture.Errors(result, code);
        Assert.AreNotEqual(0, errors.Count, $"expected {code} in:\n{result.StandardOutput}");
        var error = errors[0];
        StringAssert.Contains(error, project);
        Assert.AreEqual(line, PackageFixture.LineOf(error, project), error);
        foreach (var text in contains) StringAssert.Contains(error, text);
    }

    private static string Source(string tarball) => $"""<Source Include="file://{tarball}" Sha256="{PackageFixture.Sha256(tarball)}" />""";

    [TestMethod]
    public void MissingVersionIsDST1001AtTheProjectElement()
    {
        using var f = new PackageFixture();
        var (result, project) = BuildBroken(f, $"""
            <Project Sdk="Distri.Sdk">
              <ItemGroup>
                {Source(f.MakeTinyTarball())}
              </ItemGroup>
            </Project>
            """);
        AssertErrorAt(result, "DST1001", project, 1, "Version");
    }

    [TestMethod]
    public void MissingSourceIsDST1002()
    {
        using var f = new PackageFixture();
        var (result, project) = BuildBroken(f, """
            <Project Sdk="Distri.Sdk">
              <PropertyGroup>
                <Version>1.0</Version>
              </PropertyGroup>
            </Project>
            """);
        AssertErrorAt(result, "DST1002", project, 1, "Source");
    }

    [TestMethod]
    public void UnknownBuilderIsDST1003AtTheBuilderLine()
    {
        using var f = new PackageFixture();
        var (result, project) = BuildBroken(f, $"""
            <Project Sdk="Distri.Sdk">
              <PropertyGroup>
                <Version>1.0</Version>
                <Builder>scons</Builder>
              </PropertyGroup>
              <ItemGroup>
                {Source(f.MakeTinyTarball())}
              </ItemGroup>
            </Project>
            """);
        AssertErrorAt(result, "DST1003", project, 4, "scons");
    }

    [TestMethod]
    public void APropertyReadingThePrefixIsDST1018AtItsLineNotAnEmptyPrefix()
    {
        using var f = new PackageFixture();
        var (result, project) = BuildBroken(f, $"""
            <Project Sdk="Distri.Sdk">
              <PropertyGroup>
                <Version>1.0</Version>
                <MyConfigureFlags>--prefix=$(DistriPrefix) --enable-x</MyConfigureFlags>
              </PropertyGroup>
              <ItemGroup>
                {Source(f.MakeTinyTarball())}
              </ItemGroup>
            </Project>
            """);
        AssertErrorAt(result, "DST1018", project, 4, "MyConfigureFlags", "$(DistriPrefix)");
    }

    [TestMethod]
    public void UnknownDependencyIsDST1005AtTheDependencyLine()
    {
        using var f = new PackageFixture();
        var (result, project) = BuildBroken(f, $"""
            <Project Sdk="Distri.Sdk">
              <PropertyGroup>
                <Version>1.0</Version>
              </PropertyGroup>
              <ItemGroup>
                {Source(f.MakeTinyTarball())}
                <Dependency Include="nosuchpkg" />
              </ItemGroup>
            </Project>
            """);
        AssertErrorAt(result, "DST1005", project, 7, "nosuchpkg");
    }

    [TestMethod]
    public void Sha256MismatchIsDST2002WithBothHashesAndNothingCached()
    {
        using var f = new PackageFixture();
        var tarball = f.MakeTinyTarball();
        var wrong = new string('0', 64);
        var (result, project) = BuildBroken(f, $"""
            <Project Sdk="Distri.Sdk">
              <PropertyGroup>
                <Version>1.0</Version>
              </PropertyGroup>
              <ItemGroup>
                <Source Include="file://{tarball}" Sha256="{wrong}" />
              </ItemGroup>
            </Project>
            """);
        AssertErrorAt(result, "DST2002", project, 6, wrong, PackageFixture.Sha256(tarball));
        var cache = Path.Combine(f.Artifacts, "sources");
        Assert.IsFalse(Directory.Exists(cache) && Directory.EnumerateFileSystemEntries(cache).Any(), "nothing is kept in the cache");
    }

    [TestMethod]
    public void UnreachableSourceWithNoFallbackIsDST2001NamingEveryOrigin()
    {
        using var f = new PackageFixture();
        var fakeApt = f.WriteScript("apt-get", "echo 'E: Unable to find a source package' >&2\nexit 100\n");
        var project = f.WritePackage("gone", $"""
            <Project Sdk="Distri.Sdk">
              <PropertyGroup>
                <Version>1.0</Version>
              </PropertyGroup>
              <ItemGroup>
                <Source Include="http://127.0.0.1:9/gone-1.0.tar.gz" Sha256="{new string('a', 64)}" DebianSource="gone" DebianVersion="1.0-1" />
              </ItemGroup>
            </Project>
            """);

        var result = f.Build(project, $"-p:DistriAptGet={fakeApt}");

        Assert.AreNotEqual(0, result.ExitCode);
        var output = result.StandardOutput;
        AssertErrorAt(result, "DST2001", project, 6, "http://127.0.0.1:9/gone-1.0.tar.gz");
        StringAssert.Contains(output, "Debian source gone=1.0-1");
        StringAssert.Contains(output, "exit code 100");
        // Exactly one clear error: the cleanup after the failed fetch does not crash as well.
        Assert.DoesNotContain("MSB4018", output, output);
        Assert.DoesNotContain("   at ", output, "no stack trace");
    }

    [TestMethod]
    public void AVersionWithATrailingBlankIsDST1004NotASplitPrefix()
    {
        using var f = new PackageFixture();
        var (result, project) = BuildBroken(f, $"""
            <Project Sdk="Distri.Sdk">
              <PropertyGroup>
                <Version>2.10 </Version>
              </PropertyGroup>
              <ItemGroup>
                {Source(f.MakeTinyTarball())}
              </ItemGroup>
            </Project>
            """);
        AssertErrorAt(result, "DST1004", project, 3, "version");
        Assert.IsFalse(Directory.Exists(Path.Combine(f.Artifacts, "build")), "nothing was built");
    }

    [TestMethod]
    public void CleanWithARevisionLeadingOutOfTheArtifactsRemovesNothing()
    {
        using var f = new PackageFixture();
        var project = f.WritePackage("tiny", f.TinyPackage("tiny"));
        var bystander = Directory.CreateDirectory(f["bystander"]).FullName;
        File.WriteAllText(Path.Combine(bystander, "keep"), "");

        var result = f.Build(project, "-t:Clean", "-p:Revision=1/../../../bystander");

        Assert.AreNotEqual(0, result.ExitCode);
        Assert.AreNotEqual(0, PackageFixture.Errors(result, "DST1011").Count, result.StandardOutput);
        Assert.IsTrue(File.Exists(Path.Combine(bystander, "keep")), "Clean removed a directory outside the artifacts");
    }

    [TestMethod]
    public void FailingConfigureIsDST3001WithTheLastLinesAndTheLogPath()
    {
        using var f = new PackageFixture();
        var tarball = f.MakeTinyTarball(configureBody: "echo 'configure: error: no tiny compiler found' >&2\nexit 77");
        var (result, project) = BuildBroken(f, $"""
            <Project Sdk="Distri.Sdk">
              <PropertyGroup>
                <Version>1.0</Version>
                <Builder>autotools</Builder>
              </PropertyGroup>
              <ItemGroup>
                {Source(tarball)}
              </ItemGroup>
            </Project>
            """);
        var log = Path.Combine(f.Artifacts, "logs", "broken-amd64-1.0-1.log");
        AssertErrorAt(result, "DST3001", project, 4, "'configure'", "exit code 77", log);
        StringAssert.Contains(result.StandardOutput, "configure: error: no tiny compiler found");
        StringAssert.Contains(File.ReadAllText(log), "no tiny compiler found");
        StringAssert.StartsWith(File.ReadAllText(Path.Combine(f.Artifacts, "status", "broken.status")), "failed");
    }

    [TestMethod]
    public void FailingCustomStepPointsAtItsBuildStep()
    {
        using var f = new PackageFixture();
        var (result, project) = BuildBroken(f, $"""
            <Project Sdk="Distri.Sdk">
              <PropertyGroup>
                <Version>1.0</Version>
                <Builder>custom</Builder>
              </PropertyGroup>
              <ItemGroup>
                {Source(f.MakeTinyTarball())}
                <BuildStep Include="first" Command="true" />
                <BuildStep Include="second" Command="echo step two broke; exit 3" />
              </ItemGroup>
            </Project>
            """);
        AssertErrorAt(result, "DST3001", project, 9, "'second'");
        StringAssert.Contains(result.StandardOutput, "step two broke", "the error carries the step's last lines");
    }

    [TestMethod]
    public void AStepSilentForTooLongIsStoppedWithEverythingItStartedAsDST3006()
    {
        using var f = new PackageFixture();
        // A sleep no other process on the machine runs: found in /proc afterwards if it survived.
        var sleep = $"sleep 600.{Random.Shared.Next(100_000, 999_999)}";
        var (result, project) = BuildBroken(f, $"""
            <Project Sdk="Distri.Sdk">
              <PropertyGroup>
                <Version>1.0</Version>
                <Builder>custom</Builder>
                <DistriStepSilenceTimeoutSeconds>2</DistriStepSilenceTimeoutSeconds>
              </PropertyGroup>
              <ItemGroup>
                {Source(f.MakeTinyTarball())}
                <BuildStep Include="hang" Command="echo waiting for a loader that never comes; {sleep} &amp; wait" />
              </ItemGroup>
            </Project>
            """);

        AssertErrorAt(result, "DST3006", project, 9, "'hang'", "2 s");
        StringAssert.Contains(result.StandardOutput, "waiting for a loader that never comes", "the error carries the step's last lines");
        Assert.IsEmpty(PackageFixture.Errors(result, "DST3001"), "one error for one stopped step");
        var survivors = Directory.EnumerateDirectories("/proc").Select(d => Path.Combine(d, "cmdline"))
            .Select(c => { try { return File.ReadAllText(c).Replace('\0', ' '); } catch (IOException) { return ""; } })
            .Where(c => c.Contains(sleep, StringComparison.Ordinal)).ToList();
        Assert.IsEmpty(survivors, "the step's children were left running");
    }

    [TestMethod]
    public void TasksRebuiltAfterThePackageWasEvaluatedAreDST3007()
    {
        using var f = new PackageFixture();
        // A private copy of the tasks whose in-node copy of DistriExec, named by the dll's time,
        // holds other bytes: what a copy staged before the tasks were rebuilt looks like.
        var tasks = Directory.CreateDirectory(f["tasks"]).FullName;
        foreach (var file in Directory.EnumerateFiles(Path.Combine(RepoPaths.Root, "artifacts", "tasks")))
            File.Copy(file, Path.Combine(tasks, Path.GetFileName(file)));
        var dll = Path.Combine(tasks, "Distri.Tasks.dll");
        var staged = Directory.CreateDirectory(Path.Combine(tasks, "node", File.GetLastWriteTimeUtc(dll).Ticks.ToString(System.Globalization.CultureInfo.InvariantCulture))).FullName;
        File.WriteAllBytes(Path.Combine(staged, "Distri.Tasks.dll"), [.. File.ReadAllBytes(dll), 0]);
        var project = f.WritePackage("tiny", f.TinyPackage("tiny"));

        var result = f.Build(project, $"-p:DistriTasksAssembly={dll}");

        Assert.AreNotEqual(0, result.ExitCode, "the build must fail");
        var error = PackageFixture.Errors(result, "DST3007").Single();
        StringAssert.Contains(error, project);
        StringAssert.Contains(error, "build again");
        Assert.IsFalse(File.Exists(Path.Combine(f.Repository, "tiny-amd64-1.0-1.squashfs")), "no step ran");
    }

    [TestMethod]
    public void CompilerErrorLinesBecomeMSBuildErrorsAtTheirSourceFile()
    {
        using var f = new PackageFixture();
        var (result, _) = BuildBroken(f, $"""
            <Project Sdk="Distri.Sdk">
              <PropertyGroup>
                <Version>1.0</Version>
                <Builder>custom</Builder>
              </PropertyGroup>
              <ItemGroup>
                {Source(f.MakeTinyTarball())}
                <BuildStep Include="build" Command="echo 'src/foo.c:12:5: error: expected identifier' >&amp;2; exit 1" />
              </ItemGroup>
            </Project>
            """);
        StringAssert.Contains(result.StandardOutput, "/broken-amd64-1.0-1/src/tiny-1.0/src/foo.c(12,5): compiler error : expected identifier");
    }
}
