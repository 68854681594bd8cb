using Distri.Testing;

namespace Sdk.Tests;

/// <summary>
/// A package's build is untrusted code: through a real `dotnet build` of hostile tiny packages,
/// it can neither read the host into its image nor use the host-side steps that follow it
/// (post-install, packing) to change or publish anything outside its own tree.
/// </summary>
[TestClass]
public sealed class BuildIsolationTests
{
    /// <summary>A custom-builder package whose only step is <paramref name="install"/> (a shell line, $D is its out/).</summary>
    private static string Hostile(PackageFixture f, string install, string items = "") => $"""
        <Project Sdk="Distri.Sdk">
          <PropertyGroup>
            <Version>1.0</Version>
            <Builder>custom</Builder>
          </PropertyGroup>
          <ItemGroup>
            <Source Include="file://{f.MakeTinyTarball("hostile-1.0")}" Sha256="{PackageFixture.Sha256(f["tarballs/hostile-1.0.tar.gz"])}" />
            <BuildStep Include="install" Command="{System.Security.SecurityElement.Escape("D=$DISTRI_PREFIX; mkdir -p $D/bin; " + install)}" />
            {items}
          </ItemGroup>
        </Project>
        """;

    private static void RequireBuilds()
    {
        Requires.Fuse();
        Requires.Tool("bwrap");
    }

    [TestMethod]
    public void ABuildStepCannotCopyTheHostsShadowFileIntoItsImage()
    {
        RequireBuilds();
        using var f = new PackageFixture();
        var project = f.WritePackage("hostile", Hostile(f, "cat /etc/shadow /root/.bashrc > $D/loot 2>/dev/null || true; ls / > $D/root-listing; cat /etc/passwd > $D/passwd"));

        var result = f.Build(project);

        Assert.AreEqual(0, result.ExitCode, result.StandardOutput);
        var tree = Path.Combine(f.Artifacts, "build/hostile-amd64-1.0-1/dest/ro/hostile-amd64-1.0-1/out");
        Assert.AreEqual(0, new FileInfo(Path.Combine(tree, "loot")).Length, "neither /etc/shadow nor /root exists in the sandbox");
        var listing = File.ReadAllLines(Path.Combine(tree, "root-listing"));
        // /ro, the toolchain's links, /etc, /proc, /dev, /tmp, and the first directory of the build's own paths.
        string[] expected = ["bin", "dev", "etc", "lib", "lib64", "proc", "ro", "sbin", "tmp", "usr", f.Artifacts.Split('/')[1]];
        CollectionAssert.IsSubsetOf(listing, expected, "the sandbox root holds: " + string.Join(' ', listing));
        Assert.DoesNotContain(File.ReadAllText("/etc/passwd").Split('\n')[0], File.ReadAllText(Path.Combine(tree, "passwd")), "a synthesized /etc/passwd");
    }

    [TestMethod]
    public void ChmodOfAPlantedSymlinkFailsWithACodedErrorAndLeavesTheHostFileAlone()
    {
        RequireBuilds();
        using var f = new PackageFixture();
        var victim = f["victim"];
        File.WriteAllText(victim, "host file");
        File.SetUnixFileMode(victim, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var project = f.WritePackage("hostile", Hostile(f, $"ln -s {victim} $D/bin/tool",
            """<PostInstall Include="chmod" Path="out/bin/tool" Mode="4777" />"""));

        var result = f.Build(project);

        Assert.AreNotEqual(0, result.ExitCode);
        var errors = PackageFixture.Errors(result, "DST3003");
        Assert.HasCount(1, errors, result.StandardOutput);
        Assert.Contains("symbolic link", errors[0]);
        Assert.AreEqual(PackageFixture.LineContaining(project, "<PostInstall"), PackageFixture.LineOf(errors[0], project), "points at the PostInstall line");
        Assert.AreEqual(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(victim), "the host file's mode is unchanged");
    }

    [TestMethod]
    public void PostInstallThroughALinkedDirectoryIsRefused()
    {
        RequireBuilds();
        using var f = new PackageFixture();
        var outside = Directory.CreateDirectory(f["outside"]).FullName;
        File.WriteAllText(Path.Combine(outside, "keep"), "host file");
        var project = f.WritePackage("hostile", Hostile(f, $"ln -s {outside} $D/escape",
            """<PostInstall Include="delete" Path="out/escape/keep" />"""));

        var result = f.Build(project);

        Assert.AreNotEqual(0, result.ExitCode);
        Assert.HasCount(1, PackageFixture.Errors(result, "DST3003"), result.StandardOutput);
        Assert.IsTrue(File.Exists(Path.Combine(outside, "keep")), "nothing outside the package tree was deleted");
    }

    [TestMethod]
    public void AnImageRootLinkedToAHostDirectoryIsNotPackedOrPublished()
    {
        RequireBuilds();
        using var f = new PackageFixture();
        const string full = "hostile-amd64-1.0-1";
        var secret = Directory.CreateDirectory(f[$"host-secret/{full}/out"]).FullName;
        File.WriteAllText(Path.Combine(secret, "secret"), "host data");
        // The build moves its real destination away and links the image root's parent to a host directory.
        var project = f.WritePackage("hostile", Hostile(f,
            $"""touch $D/bin/x; mv "$DISTRI_DESTDIR/ro" "$DISTRI_DESTDIR/moved"; ln -s {f["host-secret"]} "$DISTRI_DESTDIR/ro" """));

        var result = f.Build(project);

        Assert.AreNotEqual(0, result.ExitCode, result.StandardOutput);
        Assert.HasCount(1, PackageFixture.Errors(result, "DST3005"), result.StandardOutput);
        Assert.IsFalse(File.Exists(Path.Combine(f.Repository, full + ".squashfs")), "nothing was published");
    }
}
