using Distri.Testing;

namespace Sdk.Tests;

/// <summary>
/// The real thing: GNU hello from Debian's source archive (the upstream URL is unreachable here),
/// built by pkgs/hello, kernel-mounted at /ro/hello-amd64-2.10-1 in a private mount namespace.
/// </summary>
[TestClass]
public sealed class HelloIntegrationTests
{
    [TestMethod]
    [Timeout(600_000, CooperativeCancellation = true)]
    public void HelloBuildsFromDebianSourcesAndRunsFromItsMountedImage()
    {
        Requires.LoopMounts();
        Requires.Tool("unshare");
        Requires.Tool("apt-get");
        Requires.Tool("gcc");
        using var f = new PackageFixture();
        var project = Path.Combine(RepoPaths.Root, "pkgs", "hello", "hello.distpkg");

        var result = f.Build(project);
        if (result.ExitCode != 0 && PackageFixture.Errors(result, "DST2001").Count > 0)
            Assert.Inconclusive("no origin for hello's source (no network and no Debian source archive): " + PackageFixture.Errors(result, "DST2001")[0]);
        Assert.AreEqual(0, result.ExitCode, result.StandardOutput);

        var image = Path.Combine(f.Repository, "hello-amd64-2.10-1.squashfs");
        // Private mount namespace and a tmpfs root holding /usr and /ro: the host's / (and its real
        // /ro, which other tests and engineers use) is never touched, and all mounts end with the namespace.
        var root = Path.Combine(f.Root, "root");
        Directory.CreateDirectory(root);
        var run = ExternalTool.Run("unshare", ["-m", "--propagation", "private", "sh", "-ec", $"""
            mount -t tmpfs tmpfs '{root}'
            mkdir -p '{root}/usr' '{root}/ro/hello-amd64-2.10-1'
            mount --rbind /usr '{root}/usr'
            ln -s usr/lib '{root}/lib'; ln -s usr/lib64 '{root}/lib64'; ln -s usr/bin '{root}/bin'
            mount -t squashfs -o loop,ro '{image}' '{root}/ro/hello-amd64-2.10-1'
            chroot '{root}' /ro/hello-amd64-2.10-1/out/bin/hello
            test -d '{root}/ro/hello-amd64-2.10-1/out/share/info' && test -d '{root}/ro/hello-amd64-2.10-1/out/share/man' && echo layout-ok
            """]);
        Assert.AreEqual(0, run.ExitCode, run.StandardError);
        StringAssert.Contains(run.StandardOutput, "Hello, world!");
        StringAssert.Contains(run.StandardOutput, "layout-ok");
    }
}
