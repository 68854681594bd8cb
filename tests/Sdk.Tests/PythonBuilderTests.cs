using Distri.Testing;

namespace Sdk.Tests;

/// <summary>
/// The python builder: a PEP 517 project becomes a wheel (pip, no build isolation, the python3
/// package's setuptools) installed under the prefix; its programs find their modules from /ro/bin.
/// One build (the checkout's python3, built first if needed) shared by the tests of this class.
/// </summary>
[TestClass]
public sealed class PythonBuilderTests
{
    private const string Full = "pgreet-amd64-1.0-1";

    private static readonly Lazy<(PackageFixture Fixture, ExternalTool.Result Build)> Built = new(() =>
    {
        SeedToolchain.Ensure();
        CheckoutPackages.Ensure("python3");
        var f = new PackageFixture();
        var tarball = TinyProject.Tarball(f, "pgreet", new()
        {
            ["pyproject.toml"] = "[build-system]\nrequires = [\"setuptools\"]\nbuild-backend = \"setuptools.build_meta\"\n",
            ["setup.cfg"] = "[metadata]\nname = pgreet\nversion = 1.0\n\n[options]\npackages = pgreet\nscripts = bin/pfuture\n\n[options.entry_points]\nconsole_scripts =\n    pgreet = pgreet:main\n",
            ["bin/pfuture"] = "#!/usr/bin/env python3\n\"\"\"A script whose first statement must stay its __future__ import.\"\"\"\nfrom __future__ import annotations\nimport pgreet\npgreet.main()\n",
            ["pgreet/__init__.py"] = "def main():\n    print('python ok from ' + __file__)\n",
        });
        return (f, f.Build(f.WritePackage("pgreet", TinyProject.Definition(tarball, "python"))));
    }, LazyThreadSafetyMode.ExecutionAndPublication);

    private static PackageFixture Build()
    {
        Requires.Fuse();
        Requires.Tool("bwrap");
        var (f, build) = Built.Value;
        Assert.AreEqual(0, build.ExitCode, build.StandardOutput);
        return f;
    }

    [ClassCleanup]
    public static void Cleanup()
    {
        if (Built.IsValueCreated) Built.Value.Fixture.Dispose();
    }

    [TestMethod]
    public void TheProgramFindsItsOwnModuleInARootHoldingOnlyRo()
    {
        var f = Build();

        var run = EmptyRoot.Run(f.Repository, "/ro/bin/pgreet");

        Assert.AreEqual(0, run.ExitCode, run.StandardError);
        Assert.AreEqual($"python ok from /ro/{Full}/out/lib/python3.11/site-packages/pgreet/__init__.py", run.StandardOutput.Trim(),
            "the module comes from the program's own package");
    }

    [TestMethod]
    public void AScriptWithAFutureImportStillRunsAndFindsTheModule()
    {
        var f = Build();

        var run = EmptyRoot.Run(f.Repository, "/ro/bin/pfuture");

        Assert.AreEqual(0, run.ExitCode, run.StandardError);
        StringAssert.StartsWith(run.StandardOutput, $"python ok from /ro/{Full}/");
    }

    [TestMethod]
    public void TheProgramNamesThePython3PackagesInterpreterWhichIsARuntimeDependency()
    {
        var f = Build();

        var program = File.ReadAllLines(Path.Combine(f.Artifacts, $"build/{Full}/dest/ro/{Full}/out/bin/pgreet"));

        StringAssert.Matches(program[0], new System.Text.RegularExpressions.Regex(@"^#!/ro/python3-amd64-[^/]+/out/bin/python3\.\d+$"));
        var meta = Distri.Packages.Yaml.ReadMeta(Path.Combine(f.Repository, Full + ".meta.yaml"));
        Assert.IsTrue(meta.RuntimeDependencies.Any(d => d.StartsWith("python3-amd64-", StringComparison.Ordinal)), string.Join(", ", meta.RuntimeDependencies));
    }
}
