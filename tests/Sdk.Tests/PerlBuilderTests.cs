using Distri.Testing;

namespace Sdk.Tests;

/// <summary>
/// The perl builder: Makefile.PL with INSTALL_BASE at the prefix, with the distribution's perl
/// (pkgs/perl, built in the checkout); its programs find their modules from /ro/bin.
/// </summary>
[TestClass]
public sealed class PerlBuilderTests
{
    [TestMethod]
    public void AMakefilePLProjectsProgramFindsItsModuleInARootHoldingOnlyRo()
    {
        Requires.Fuse();
        Requires.Tool("bwrap");
        SeedToolchain.Ensure();
        CheckoutPackages.Ensure("perl");
        using var f = new PackageFixture();
        var tarball = TinyProject.Tarball(f, "plgreet", new()
        {
            ["Makefile.PL"] = "use ExtUtils::MakeMaker;\nWriteMakefile(NAME => 'PlGreet', VERSION => '1.0', EXE_FILES => ['bin/plgreet']);\n",
            ["lib/PlGreet.pm"] = "package PlGreet;\nsub hello { 'perl ok from ' . __FILE__ }\n1;\n",
            ["bin/plgreet"] = "#!/usr/bin/perl\nuse PlGreet;\nprint PlGreet::hello(), \"\\n\";\n",
        });
        var project = f.WritePackage("plgreet", TinyProject.Definition(tarball, "perl"));

        var build = f.Build(project);

        Assert.AreEqual(0, build.ExitCode, build.StandardOutput);
        var run = EmptyRoot.Run(f.Repository, "/ro/bin/plgreet");
        Assert.AreEqual(0, run.ExitCode, run.StandardError);
        Assert.AreEqual("perl ok from /ro/plgreet-amd64-1.0-1/out/lib/perl5/PlGreet.pm", run.StandardOutput.Trim());
    }
}
