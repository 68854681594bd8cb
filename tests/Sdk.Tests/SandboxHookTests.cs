namespace Sdk.Tests;

/// <summary>The build-environment hook: every build command runs through $(DistriSandboxCommand).</summary>
[TestClass]
public sealed class SandboxHookTests
{
    [TestMethod]
    public void EveryBuildStepRunsThroughTheSandboxCommandWithOnlyTheExplicitEnvironment()
    {
        using var f = new PackageFixture();
        var tarball = f.MakeTinyTarball();
        var trace = Path.Combine(f.Root, "sandbox.trace");
        // A pass-through "sandbox" that records what it was asked to run, and where: one line each.
        var sandbox = f.WriteScript("sandbox", $"echo \"$(pwd) | $*\" | tr '\\n' ' ' >> '{trace}'\necho >> '{trace}'\n[ \"$1\" = --keep ] || exit 9\nshift\n[ \"$1\" = -- ] || exit 8\nshift\nexec \"$@\"\n");
        var project = f.WritePackage("tiny", $"""
            <Project Sdk="Distri.Sdk">
              <PropertyGroup>
                <Version>1.0</Version>
                <Builder>custom</Builder>
              </PropertyGroup>
              <ItemGroup>
                <Source Include="file://{tarball}" Sha256="{PackageFixture.Sha256(tarball)}" />
                <BuildStep Include="configure" Command="test -z &quot;$DISTRI_TEST_LEAK&quot; &amp;&amp; ./configure --prefix=$DISTRI_PREFIX" />
                <BuildStep Include="install" Command="make install DESTDIR=$(DistriDestDir)" />
              </ItemGroup>
            </Project>
            """);

        var result = f.Build(project, new Dictionary<string, string> { ["DISTRI_TEST_LEAK"] = "1" }, $"-p:DistriSandboxCommand={sandbox} --keep");

        Assert.AreEqual(0, result.ExitCode, result.StandardOutput);
        var lines = File.ReadAllLines(trace);
        Assert.AreEqual(5, lines.Length, string.Join('\n', lines));
        StringAssert.Contains(lines[0], "-- /bin/sh -ec tar -xf", "extraction runs in the sandbox too");
        StringAssert.EndsWith(lines[1].Split(" | ")[0], "/src/tiny-1.0", "the step's working directory is kept");
        StringAssert.StartsWith(lines[1].Split(" | ")[1], "--keep -- /bin/sh -ec test -z");
        StringAssert.Contains(lines[2], "make install DESTDIR=");
        StringAssert.Contains(lines[3], "/dest/etc'", "the sysconfdir step runs in the sandbox too");
        StringAssert.Contains(lines[4], "-- /bin/sh -ec root=", "the strip step runs in the sandbox too");
    }
}
