using Distri.Tasks.Steps;
using Distri.Testing;

namespace Sdk.Tests;

/// <summary>
/// A way in after a failure: DST3001 prints a command that opens a shell in the failed step's
/// sandbox — the build tree as the step left it, the same /ro view and environment — and
/// `distri shell NAME` does the same by package name. One failed build shared by the tests.
/// </summary>
[TestClass]
[DoNotParallelize] // a shell stops the view it started, under another one using it
public sealed class BuildShellTests
{
    private const string FullName = "broken-amd64-1.0-1";

    private static readonly Lazy<(PackageFixture Fixture, ExternalTool.Result Result)> Failed = new(() =>
    {
        var f = new PackageFixture();
        var project = f.WritePackage("broken", TinyProject.Definition(f.MakeTinyTarball(), "custom", items: """
            <BuildStep Include="first" Command="echo left-by-the-first-step > marker" />
            <BuildStep Include="second" Command="echo the second step broke; exit 3" />
            """));
        return (f, f.Build(project));
    }, LazyThreadSafetyMode.ExecutionAndPublication);

    [ClassCleanup]
    public static void Cleanup()
    {
        if (Failed.IsValueCreated) Failed.Value.Fixture.Dispose();
    }

    private static (PackageFixture Fixture, ExternalTool.Result Result) Build()
    {
        Requires.Fuse();
        Requires.Tool("bwrap");
        var failed = Failed.Value;
        Assert.AreNotEqual(0, failed.Result.ExitCode, "the build was to fail");
        Assert.AreNotEqual(0, PackageFixture.Errors(failed.Result, "DST3001").Count, failed.Result.StandardOutput);
        return failed;
    }

    [TestMethod]
    public void TheFailedStepsErrorPrintsAShellCommandThatSeesItsTreeAndRo()
    {
        var (f, result) = Build();
        var line = result.StandardOutput.Split('\n').First(l => l.Contains(DistriExec.ShellIntroduction, StringComparison.Ordinal));
        var command = line[(line.IndexOf(DistriExec.ShellIntroduction, StringComparison.Ordinal) + DistriExec.ShellIntroduction.Length)..].Trim();
        StringAssert.EndsWith(command, $"build/{FullName}/src/tiny-1.0'", "the step's own directory");

        var shell = ExternalTool.Run("/bin/sh", ["-c", command + " -c 'cat marker; ls /ro; echo \"prefix=$DISTRI_PREFIX\"; ls /home 2>&1; true'"], f.Root);

        Assert.AreEqual(0, shell.ExitCode, shell.StandardOutput + shell.StandardError);
        StringAssert.Contains(shell.StandardOutput, "left-by-the-first-step", "the tree as the failed build left it");
        StringAssert.Contains(shell.StandardOutput, "seed-amd64-12-1", "/ro shows the build closure");
        StringAssert.Contains(shell.StandardOutput, $"prefix=/ro/{FullName}/out", "the steps' environment");
        StringAssert.Contains(shell.StandardOutput, "No such file or directory", "nothing of the host (/home)");
    }

    [TestMethod]
    public void ShellByNameStartsInTheSourceTreeReturnsTheExitCodeAndStopsTheView()
    {
        var (f, _) = Build();

        var shell = DistriCli.Run("shell", "broken", "--artifacts", f.Artifacts, "-c", "pwd; test -e /ro/bin; exit 7");

        Assert.AreEqual(7, shell.ExitCode, shell.StandardOutput + shell.StandardError);
        Assert.AreEqual(Path.Combine(f.Artifacts, "build", FullName, "src", "tiny-1.0"), shell.StandardOutput.Trim());
        var view = Path.Combine(f.Artifacts, "build", FullName, "env", "ro");
        Assert.IsFalse(File.ReadAllText("/proc/self/mountinfo").Contains(" " + view + " ", StringComparison.Ordinal), "the view it started is gone");
    }

    [TestMethod]
    public void APackageThatNeverBuiltIsOneLine()
    {
        using var temp = new TempDirectory("shell");

        var shell = DistriCli.Run("shell", "nosuch", "--artifacts", temp.Path, "-c", "true");

        Assert.AreEqual(1, shell.ExitCode);
        StringAssert.StartsWith(shell.StandardError, "distri shell: no build environment of nosuch in ");
    }
}
