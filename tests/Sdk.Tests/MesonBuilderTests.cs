using Distri.Testing;

namespace Sdk.Tests;

/// <summary>
/// The meson builder: meson setup, ninja, meson install, with the distribution's meson and ninja
/// (pkgs/meson, pkgs/ninja, built in the checkout: the seed has neither).
/// </summary>
[TestClass]
public sealed class MesonBuilderTests
{
    [TestMethod]
    public void AMesonProjectBuildsAndItsProgramRunsInARootHoldingOnlyRo()
    {
        Requires.Fuse();
        Requires.Tool("bwrap");
        SeedToolchain.Ensure();
        CheckoutPackages.Ensure("python3", "meson", "ninja");
        using var f = new PackageFixture();
        var tarball = TinyProject.Tarball(f, "mgreet", new()
        {
            ["meson.build"] = "project('mgreet', 'c', version: '1.0')\nexecutable('mgreet', 'mgreet.c', install: true)\n",
            ["mgreet.c"] = "#include <stdio.h>\nint main(void) { puts(\"meson ok\"); return 0; }\n",
        });
        var project = f.WritePackage("mgreet", TinyProject.Definition(tarball, "meson"));

        var build = f.Build(project);

        Assert.AreEqual(0, build.ExitCode, build.StandardOutput);
        var run = EmptyRoot.Run(f.Repository, "/ro/bin/mgreet");
        Assert.AreEqual(0, run.ExitCode, run.StandardError);
        Assert.AreEqual("meson ok", run.StandardOutput.Trim());
    }
}
