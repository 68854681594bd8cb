using Distri.Testing;

namespace Sdk.Tests;

/// <summary>
/// The real thing: GNU hello from Debian's source archive (the upstream URL is unreachable here),
/// built by pkgs/hello on the seed toolchain, kernel-mounted with its runtime closure under /ro in
/// an otherwise empty root: it needs nothing of the host.
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
        using var f = new PackageFixture();
        var project = Path.Combine(RepoPaths.Root, "pkgs", "hello", "hello.distpkg");

        var result = f.Build(project);
        if (result.ExitCode != 0 && PackageFixture.Errors(result, "DST2001").Count > 0)
            Assert.Inconclusive("no origin for hello's source (no network and no Debian source archive): " + PackageFixture.Errors(result, "DST2001")[0]);
        Assert.AreEqual(0, result.ExitCode, result.StandardOutput);

        var hello = CheckoutDefinitions.FullName("hello");
        var meta = Distri.Packages.Yaml.ReadMeta(Path.Combine(f.Repository, hello + ".meta.yaml"));
        var images = meta.RuntimeDependencies.Select(full => Path.Combine(SeedToolchain.Repository, full + ".squashfs"))
            .Prepend(Path.Combine(f.Repository, hello + ".squashfs")).ToList();
        // Private mount namespace and a tmpfs root holding only /ro: the host's / (and its real /ro,
        // which other tests and engineers use) is never touched, and all mounts end with the namespace.
        var root = Path.Combine(f.Root, "root");
        Directory.CreateDirectory(root);
        var mounts = string.Join('\n', images.Select(image =>
        {
            var full = Path.GetFileNameWithoutExtension(image);
            return $"mkdir -p '{root}/ro/{full}' && mount -t squashfs -o loop,ro '{image}' '{root}/ro/{full}'";
        }));
        var run = ExternalTool.Run("unshare", ["-m", "--propagation", "private", "sh", "-ec", $"""
            mount -t tmpfs tmpfs '{root}'
            {mounts}
            chroot '{root}' /ro/{hello}/out/bin/hello
            test -d '{root}/ro/{hello}/out/share/info' && test -d '{root}/ro/{hello}/out/share/man' && echo layout-ok
            test ! -e '{root}/usr' && test ! -e '{root}/lib' && test ! -e '{root}/lib64' && echo empty-root
            """]);
        Assert.AreEqual(0, run.ExitCode, run.StandardError);
        StringAssert.Contains(run.StandardOutput, "Hello, world!");
        StringAssert.Contains(run.StandardOutput, "layout-ok");
        StringAssert.Contains(run.StandardOutput, "empty-root");
    }
}
