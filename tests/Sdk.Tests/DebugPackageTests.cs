using Distri.Packages;
using Distri.SquashFs;
using Distri.Testing;

namespace Sdk.Tests;

/// <summary>
/// Debug packages, built for real: a tiny C program <c>tinyprog</c> compiled in the sandbox with the
/// SDK's flags, stripped there, its debug info in <c>tinyprog-debug</c> (the build is shared by the
/// tests of this class).
/// </summary>
[TestClass]
public sealed class DebugPackageTests
{
    private const string Prog = "tinyprog-amd64-1.0-1";
    private const string Debug = "tinyprog-debug-amd64-1.0-1";

    private static readonly SharedBuild Built = new(f => f.WritePackage("tinyprog", PackageFixture.Definition(TinyC.Program(f, "tinyprog", """
            #include <stdio.h>

            static int answer(void) { return 42; }

            int main(void)
            {
                printf("%d\n", answer());
                return 0;
            }
            """))));

    private static PackageFixture Build() => Built.Fixture();

    [ClassCleanup]
    public static void RemoveTheBuild() => Built.Dispose();

    /// <summary>A file of an image, copied out to read it with binutils.</summary>
    private static string Extract(PackageFixture f, TempDirectory temp, string full, string path)
    {
        using var image = SquashFsImage.Open(Path.Combine(f.Repository, full + ".squashfs"));
        var inode = image.Lookup(path) ?? throw new AssertFailedException($"{full} has no {path}");
        var bytes = new byte[inode.Size];
        Assert.AreEqual(bytes.Length, image.Read(inode, 0, bytes));
        var target = temp[Path.GetFileName(path)];
        File.WriteAllBytes(target, bytes);
        return target;
    }

    private static string ReadElf(string option, string file) => ExternalTool.Run(Requires.Tool("readelf"), [option, "-W", file]).StandardOutput;

    private static string BuildId(string file) =>
        ReadElf("-n", file).Split('\n').Single(l => l.Contains("Build ID:", StringComparison.Ordinal)).Split(':')[1].Trim();

    [TestMethod]
    public void TheProgramIsStrippedAndItsDebugInfoFiledUnderItsBuildId()
    {
        var f = Build();
        using var temp = new TempDirectory("debug-files");
        var program = Extract(f, temp, Prog, "out/bin/tinyprog");
        var id = BuildId(program);

        var debug = Extract(f, temp, Debug, $"out/lib/debug/.build-id/{id[..2]}/{id[2..]}.debug");

        Assert.DoesNotContain(".debug_info", ReadElf("-S", program), "the packed program still carries its DWARF");
        Assert.Contains(".debug_info", ReadElf("-S", debug));
        Assert.AreEqual(id, BuildId(debug), "the debug file belongs to the program");
    }

    [TestMethod]
    public void ThePackagesMetaNamesItsDebugImageWhichNeedsNothing()
    {
        var f = Build();
        var prog = Yaml.ReadMeta(Path.Combine(f.Repository, Prog + ".meta.yaml"));
        var debug = Yaml.ReadMeta(Path.Combine(f.Repository, Debug + ".meta.yaml"));
        Assert.AreEqual(Debug, prog.DebugPackage);
        Assert.IsEmpty(prog.SplitPackages, "the debug image is no split part: builds depending on tinyprog do not see it");
        Assert.IsEmpty(debug.RuntimeDependencies);
        Assert.AreEqual(prog.InputDigest, debug.InputDigest);
    }

    [TestMethod]
    public void GdbFindsTheSourceLevelMainOnceTheDebugImageIsInstalled()
    {
        var f = Build();
        var gdb = Requires.Tool("gdb");
        Requires.Tool("unshare");
        using var temp = new TempDirectory("debug-gdb");
        var repos = new[] { "--repo", Path.GetDirectoryName(f.Repository)!, "--repo", Path.GetDirectoryName(SeedToolchain.Repository.TrimEnd('/'))! };
        DistriCli.Check(["install", "--root", temp["without"], .. repos, "tinyprog"]);
        DistriCli.Check(["install", "--root", temp["with"], .. repos, "tinyprog", "tinyprog-debug"]);

        var without = GdbInfoFunctionsMain(gdb, temp["without/roimg"], temp["without.log"]);
        var with = GdbInfoFunctionsMain(gdb, temp["with/roimg"], temp["with.log"]);

        Assert.DoesNotContain("File prog.c:", without, "symbols without the debug image? " + without);
        Assert.Contains("File prog.c:", with, with);
        Assert.Contains("int main(void);", with, with);
    }

    /// <summary>
    /// `gdb -batch -ex 'info functions main' /ro/bin/tinyprog` with the one documented setting, /ro
    /// being `distri fuse` over <paramref name="store"/> in a private mount namespace (the host's
    /// own /ro, if any, is never touched).
    /// </summary>
    private static string GdbInfoFunctionsMain(string gdb, string store, string log)
    {
        var run = ExternalTool.Run("unshare", ["-m", "--propagation", "private", "sh", "-ec", $"""
            [ -d /ro ] || mkdir /ro
            '{DistriCli.Dotnet}' '{DistriCli.Dll}' fuse --store '{store}' /ro >'{log}' 2>&1 &
            for i in $(seq 600); do grep -q ready '{log}' && break; sleep 0.1; done
            '{gdb}' -nx -batch -iex 'set debug-file-directory /ro/lib/debug' -ex 'info functions main' /ro/bin/tinyprog
            kill $!
            """]);
        Assert.AreEqual(0, run.ExitCode, run.StandardError + File.ReadAllText(log));
        return run.StandardOutput;
    }
}
