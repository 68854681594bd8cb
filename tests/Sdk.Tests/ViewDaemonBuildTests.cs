using Distri.Linux;
using Distri.Sandbox;
using Distri.Testing;

namespace Sdk.Tests;

/// <summary>
/// Package builds of one artifacts directory get their /ro from one view daemon: the first build
/// starts it, each build registers its view and unregisters it in its cleanup, and the daemon
/// stays up for the next build (docs/build-environments.md, "The view daemon").
/// </summary>
[TestClass]
public sealed class ViewDaemonBuildTests
{
    private static string Package(PackageFixture f, string name) => $"""
        <Project Sdk="Distri.Sdk">
          <PropertyGroup>
            <Version>1.0</Version>
            <Builder>custom</Builder>
          </PropertyGroup>
          <ItemGroup>
            <Source Include="file://{f.MakeTinyTarball(name + "-1.0")}" Sha256="{PackageFixture.Sha256(f[$"tarballs/{name}-1.0.tar.gz"])}" />
            <BuildStep Include="install" Command="mkdir -p $DISTRI_PREFIX/share; ls /ro > $DISTRI_PREFIX/share/ro-listing" />
          </ItemGroup>
        </Project>
        """;

    [TestMethod]
    public void TwoBuildsAreServedByOneDaemonThatOutlivesThemWithNoViewLeft()
    {
        Requires.Fuse();
        Requires.Tool("bwrap");
        using var f = new PackageFixture();
        var service = new ViewService(Path.Combine(f.Artifacts, "views"), []);

        var first = f.Build(f.WritePackage("first", Package(f, "first")));
        Assert.AreEqual(0, first.ExitCode, first.StandardOutput);
        var daemon = BuildView.DaemonProcess(service);
        Assert.IsNotNull(daemon, "the first build started the daemon, and it is still up");
        Assert.IsEmpty(BuildView.Served(service), "the build's cleanup unregistered its view");
        Assert.IsFalse(MountTable.IsMounted(Path.Combine(f.Artifacts, "build", "first-amd64-1.0-1", "env", "ro")));

        var second = f.Build(f.WritePackage("second", Package(f, "second")));

        Assert.AreEqual(0, second.ExitCode, second.StandardOutput);
        Assert.AreEqual(daemon, BuildView.DaemonProcess(service), "the second build registered with the same daemon");
        Assert.IsEmpty(BuildView.Served(service));
    }
}
