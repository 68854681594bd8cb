using Distri.Testing;

namespace Sdk.Tests;

/// <summary>&lt;Patch&gt; items: applied in order with patch -p1 after extraction; one that does not apply is DST3002 at its line.</summary>
[TestClass]
public sealed class PatchTests
{
    [TestMethod]
    public void APatchThatAppliesChangesWhatIsBuilt()
    {
        using var f = new PackageFixture();
        var project = f.WritePackage("tiny", f.TinyPackage("tiny", """<Patch Include="greeting.patch" />"""));
        WritePatch(f, "greeting.patch", "echo tiny", "echo patched");

        var result = f.Build(project);

        Assert.AreEqual(0, result.ExitCode, result.StandardOutput);
        StringAssert.Contains(DistriCli.Check("cat", Path.Combine(f.Repository, "tiny-amd64-1.0-1.squashfs"), "out/bin/tiny"), "echo patched");
    }

    [TestMethod]
    public void APatchThatDoesNotApplyIsDST3002AtItsLineWithPatchsOutput()
    {
        using var f = new PackageFixture();
        var project = f.WritePackage("tiny", f.TinyPackage("tiny", """
            <Patch Include="greeting.patch" />
                <Patch Include="stale.patch" />
            """));
        WritePatch(f, "greeting.patch", "echo tiny", "echo patched");
        WritePatch(f, "stale.patch", "echo hello", "echo goodbye");

        var result = f.Build(project);

        Assert.AreNotEqual(0, result.ExitCode);
        var error = PackageFixture.Errors(result, "DST3002")[0];
        StringAssert.Contains(error, "patch 'stale.patch' does not apply");
        Assert.AreEqual(PackageFixture.LineContaining(project, "stale.patch"), PackageFixture.LineOf(error, project));
        StringAssert.Contains(result.StandardOutput, "FAILED", "patch's own words are in the error's last lines");
        Assert.IsFalse(File.Exists(Path.Combine(f.Repository, "tiny-amd64-1.0-1.squashfs")));
    }

    /// <summary>A -p1 patch of the tiny tarball's Makefile (a/Makefile, b/Makefile) replacing one text with another.</summary>
    private static void WritePatch(PackageFixture f, string name, string from, string to)
    {
        var work = Directory.CreateDirectory(f[$"patch-{name}"]).FullName;
        var original = File.ReadAllText(f["tarballs/tiny-1.0/Makefile"]);
        Directory.CreateDirectory(Path.Combine(work, "a"));
        Directory.CreateDirectory(Path.Combine(work, "b"));
        File.WriteAllText(Path.Combine(work, "a", "Makefile"), original.Replace("echo tiny", from, StringComparison.Ordinal));
        File.WriteAllText(Path.Combine(work, "b", "Makefile"), original.Replace("echo tiny", to, StringComparison.Ordinal));
        var diff = ExternalTool.Run("diff", ["-u", "a/Makefile", "b/Makefile"], work);
        Assert.AreEqual(1, diff.ExitCode, diff.StandardError);
        File.WriteAllText(f[$"pkgs/tiny/{name}"], diff.StandardOutput);
    }
}
