using Distri.Testing;

namespace Sdk.Tests;

/// <summary>The toolchain a build step sees compiles programs that need nothing but /ro to run.</summary>
[TestClass]
public sealed class ToolchainTests
{
    [TestMethod]
    public void ACAndACxxProgramCompiledInABuildStepRunInARootHoldingOnlyRo()
    {
        Requires.Fuse();
        Requires.Tool("bwrap");
        using var f = new PackageFixture();
        var src = Directory.CreateDirectory(f["tarballs/progs-1.0"]).FullName;
        File.WriteAllText(Path.Combine(src, "c.c"), "#include <stdio.h>\nint main(void) { printf(\"c ok\\n\"); return 0; }\n");
        File.WriteAllText(Path.Combine(src, "cxx.cc"), "#include <iostream>\n#include <string>\nint main() { std::string s = \"c++ ok\"; std::cout << s << std::endl; }\n");
        var tarball = f["tarballs/progs-1.0.tar.gz"];
        ExternalTool.Check("tar", "-czf", tarball, "-C", f["tarballs"], "progs-1.0");
        var project = f.WritePackage("progs", $"""
            <Project Sdk="Distri.Sdk">
              <PropertyGroup>
                <Version>1.0</Version>
                <Builder>custom</Builder>
              </PropertyGroup>
              <ItemGroup>
                <Source Include="file://{tarball}" Sha256="{PackageFixture.Sha256(tarball)}" />
                <BuildStep Include="compile" Command="mkdir -p $DISTRI_PREFIX/bin &amp;&amp; gcc $LDFLAGS -O2 -o $DISTRI_PREFIX/bin/c c.c &amp;&amp; g++ $LDFLAGS -O2 -o $DISTRI_PREFIX/bin/cxx cxx.cc" />
              </ItemGroup>
            </Project>
            """);

        var build = f.Build(project);
        Assert.AreEqual(0, build.ExitCode, build.StandardOutput);

        foreach (var (program, expected) in new[] { ("c", "c ok"), ("cxx", "c++ ok") })
        {
            var run = EmptyRoot.Run(f.Repository, $"/ro/progs-amd64-1.0-1/out/bin/{program}");
            Assert.AreEqual(0, run.ExitCode, run.StandardError);
            Assert.AreEqual(expected, run.StandardOutput.Trim());
        }
    }
}
