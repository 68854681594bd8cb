using Distri.Testing;

namespace Sdk.Tests;

/// <summary>
/// &lt;SourceSubdirectory&gt;: a tarball whose build files sit one level below its top directory
/// builds with every builder, which works there; patches still apply at the top.
/// </summary>
[TestClass]
public sealed class SourceSubdirectoryTests
{
    private const string Image = "nested-amd64-1.0-1";

    private static string MakeTarball(PackageFixture f, Dictionary<string, string> files) => TinyProject.Tarball(f, "nested", files);

    private static string Definition(string tarball, string builder, string subdirectory, string items = "") =>
        TinyProject.Definition(tarball, builder, $"<SourceSubdirectory>{subdirectory}</SourceSubdirectory>", items);

    private static string Installed(PackageFixture f, string path) => Path.Combine(f.Artifacts, "build", Image, "dest/ro", Image, path);

    [TestMethod]
    public void AutotoolsConfiguresAndInstallsFromTheSubdirectory()
    {
        using var f = new PackageFixture();
        var tarball = MakeTarball(f, new()
        {
            ["unix/configure"] = """
                #!/bin/sh
                for a in "$@"; do case "$a" in --prefix=*) echo "PREFIX=${a#--prefix=}" > config.mk;; esac; done
                """,
            ["unix/Makefile"] = "include config.mk\nall:\n\techo nested > nested\ninstall:\n\tmkdir -p $(DESTDIR)$(PREFIX)/share\n\tcp nested $(DESTDIR)$(PREFIX)/share/nested\n",
        });
        var project = f.WritePackage("nested", Definition(tarball, "autotools", "unix"));

        var result = f.Build(project);

        Assert.AreEqual(0, result.ExitCode, result.StandardOutput);
        Assert.AreEqual("nested", File.ReadAllText(Installed(f, "out/share/nested")).Trim());
    }

    [TestMethod]
    public void CMakeConfiguresTheSubdirectorysCMakeLists()
    {
        using var f = new PackageFixture();
        var tarball = MakeTarball(f, new()
        {
            ["README"] = "the project is in cmake/\n",
            ["cmake/CMakeLists.txt"] = "cmake_minimum_required(VERSION 3.13)\nproject(nested C)\nadd_executable(nested main.c)\ninstall(TARGETS nested)\n",
            ["cmake/main.c"] = "#include <stdio.h>\nint main(void) { puts(\"nested\"); return 0; }\n",
        });
        var project = f.WritePackage("nested", Definition(tarball, "cmake", "cmake"));

        var result = f.Build(project);

        Assert.AreEqual(0, result.ExitCode, result.StandardOutput);
        Assert.IsTrue(File.Exists(Installed(f, "out/bin/nested")), "the executable of cmake/CMakeLists.txt is installed");
    }

    [TestMethod]
    public void CustomStepsRunInTheSubdirectoryAndPatchesApplyAtTheTop()
    {
        using var f = new PackageFixture();
        var tarball = MakeTarball(f, new() { ["src/here"] = "in src\n", ["top"] = "old\n" });
        var project = f.WritePackage("nested", Definition(tarball, "custom", "src", """
            <Patch Include="fix-top.patch" />
            <BuildStep Include="install" Command="mkdir -p $DISTRI_PREFIX/share &amp;&amp; cat here ../top > $DISTRI_PREFIX/share/seen" />
            """));
        File.WriteAllText(f["pkgs/nested/fix-top.patch"], "--- a/top\n+++ b/top\n@@ -1 +1 @@\n-old\n+patched\n");

        var result = f.Build(project);

        Assert.AreEqual(0, result.ExitCode, result.StandardOutput);
        Assert.AreEqual("in src\npatched\n", File.ReadAllText(Installed(f, "out/share/seen")));
    }

    [TestMethod]
    public void AMissingSubdirectoryIsDST2006NamingTheTreesDirectories()
    {
        using var f = new PackageFixture();
        var tarball = MakeTarball(f, new() { ["unix/configure"] = "#!/bin/sh\n" });
        var project = f.WritePackage("nested", Definition(tarball, "autotools", "win"));

        var result = f.Build(project);

        Assert.AreNotEqual(0, result.ExitCode);
        var error = PackageFixture.Errors(result, "DST2006").Single();
        StringAssert.Contains(error, "'win'");
        StringAssert.Contains(error, "unix");
        Assert.AreEqual(PackageFixture.LineContaining(project, "<SourceSubdirectory>"), PackageFixture.LineOf(error, project));
    }

    [TestMethod]
    public void ASubdirectoryLeavingTheTreeIsDST1016BeforeAnythingIsFetched()
    {
        using var f = new PackageFixture();
        var tarball = MakeTarball(f, new() { ["unix/configure"] = "#!/bin/sh\n" });
        var project = f.WritePackage("nested", Definition(tarball, "autotools", "unix/../.."));

        var result = f.Build(project);

        Assert.AreNotEqual(0, result.ExitCode);
        var error = PackageFixture.Errors(result, "DST1016").Single();
        Assert.AreEqual(PackageFixture.LineContaining(project, "<SourceSubdirectory>"), PackageFixture.LineOf(error, project));
        Assert.IsFalse(Directory.Exists(Path.Combine(f.Artifacts, "sources")) && Directory.EnumerateFiles(Path.Combine(f.Artifacts, "sources")).Any(), "nothing fetched");
    }
}
