using Distri.Testing;

namespace Sdk.Tests;

/// <summary>
/// What `make install` puts under the sysconfdir (/etc) lands in the image's etc/, and `distri
/// install` copies it into the root's /etc on first install; an update never replaces a copy the
/// owner changed. End to end: a tiny autotools-shaped package built with the SDK.
/// </summary>
[TestClass]
public sealed class SysconfDirTests
{
    [TestMethod]
    public void ConfigurationInstalledUnderSysconfdirIsInTheImagesEtc()
    {
        using var f = new PackageFixture();
        var project = f.WritePackage("tiny", Definition(f, "1.0", 1, "greeting=hello\n"));

        var result = f.Build(project);

        Assert.AreEqual(0, result.ExitCode, result.StandardOutput);
        var image = Path.Combine(f.Repository, "tiny-amd64-1.0-1.squashfs");
        Assert.AreEqual("greeting=hello\n", DistriCli.Check("cat", image, "etc/tiny/tiny.conf"));
        StringAssert.Contains(DistriCli.Check("cat", image, "out/bin/tiny"), "cat /etc/tiny/tiny.conf", "the program looks in /etc");
    }

    [TestMethod]
    public void InstallCopiesItIntoTheRootsEtcAndAnUpdateKeepsTheOwnersChanges()
    {
        using var f = new PackageFixture();
        var project = f.WritePackage("tiny", Definition(f, "1.0", 1, "greeting=hello\n"));
        Assert.AreEqual(0, f.Build(project).ExitCode);
        var root = f["root"];
        var repository = Path.Combine(f.Artifacts, "repo");

        StringAssert.Contains(DistriCli.Check("install", "--root", root, "--repo", repository, "tiny"), "copied /etc/tiny/tiny.conf");
        var conf = Path.Combine(root, "etc", "tiny", "tiny.conf");
        Assert.AreEqual("greeting=hello\n", File.ReadAllText(conf));
        File.WriteAllText(conf, "greeting=mine\n");

        File.WriteAllText(project, Definition(f, "1.1", 2, "greeting=hello again\n"));
        var rebuilt = f.Build(project);
        Assert.AreEqual(0, rebuilt.ExitCode, rebuilt.StandardOutput);
        DistriCli.Check("update", "--root", root, "--repo", repository);

        StringAssert.Contains(DistriCli.Check("list", "--root", root), "1.1-2");
        Assert.AreEqual("greeting=mine\n", File.ReadAllText(conf), "the owner's copy stays");
    }

    /// <summary>
    /// A package whose configure records --prefix and --sysconfdir and whose Makefile installs a
    /// program reading <c>$(SYSCONFDIR)/tiny/tiny.conf</c> and that file.
    /// </summary>
    private static string Definition(PackageFixture f, string version, int revision, string conf)
    {
        var tarball = TinyProject.Tarball(f, "tiny", new Dictionary<string, string>
        {
            ["configure"] = """
                #!/bin/sh
                prefix=/usr/local
                sysconfdir='$(PREFIX)/etc'
                for a in "$@"; do
                  case "$a" in --prefix=*) prefix="${a#--prefix=}";; --sysconfdir=*) sysconfdir="${a#--sysconfdir=}";; esac
                done
                printf 'PREFIX=%s\nSYSCONFDIR=%s\n' "$prefix" "$sysconfdir" > config.mk
                """,
            ["Makefile"] = "include config.mk\nall:\n\tprintf '#!/bin/sh\\ncat $(SYSCONFDIR)/tiny/tiny.conf\\n' > tiny\ninstall: all\n"
                + "\tmkdir -p $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(SYSCONFDIR)/tiny\n\tinstall -m 755 tiny $(DESTDIR)$(PREFIX)/bin/tiny\n"
                + "\tinstall -m 644 tiny.conf $(DESTDIR)$(SYSCONFDIR)/tiny/tiny.conf\n",
            ["tiny.conf"] = conf,
        }, version);
        return $"""
            <Project Sdk="Distri.Sdk">
              <PropertyGroup>
                <Version>{version}</Version>
                <Revision>{revision}</Revision>
              </PropertyGroup>
              <ItemGroup>
                <Source Include="file://{tarball}" Sha256="{PackageFixture.Sha256(tarball)}" />
              </ItemGroup>
            </Project>
            """;
    }
}
