using Distri.Packages;
using Distri.Sandbox;
using Distri.Testing;

namespace Sdk.Tests;

/// <summary>
/// The real thing, once: <c>dotnet build pkgs/zsh</c> (which builds ncurses first) and
/// <c>dotnet build pkgs/less</c> from Debian's source archive into a temp repository, each build
/// step in the sandbox over a <c>distri fuse</c> view; then the results run from a /ro made by
/// <c>distri fuse</c> over that repository. The expensive build is shared by the tests of this class.
/// </summary>
[TestClass]
public sealed class BuildEnvironmentIntegrationTests
{
    private static readonly string Ncurses = CheckoutDefinitions.FullName("ncurses");
    private static readonly string NcursesDev = CheckoutDefinitions.FullName("ncurses", "ncurses-dev");
    private static readonly string Zsh = CheckoutDefinitions.FullName("zsh");
    private static readonly string Less = CheckoutDefinitions.FullName("less");

    private static readonly Lazy<Distribution> Built = new(Distribution.Build, LazyThreadSafetyMode.ExecutionAndPublication);


    private static void RequireEverything()
    {
        Requires.Fuse();
        Requires.Tool("bwrap");
        Requires.Tool("apt-get");
    }

    private sealed class Distribution
    {
        public required TempDirectory Temp { get; init; }
        public string Repository => Temp["artifacts/repo/pkg"];
        public required ExternalTool.Result Zsh { get; init; }
        public required ExternalTool.Result Less { get; init; }

        public static Distribution Build()
        {
            var temp = new TempDirectory("buildenv-dist");
            return new Distribution
            {
                Temp = temp,
                Zsh = BuildPackage(Path.Combine(RepoPaths.Root, "pkgs/zsh/zsh.distpkg"), temp["artifacts"]),
                Less = BuildPackage(Path.Combine(RepoPaths.Root, "pkgs/less/less.distpkg"), temp["artifacts"]),
            };
        }
    }

    /// <summary>`dotnet build` of a package into its own artifacts, sharing the repository's source cache.</summary>
    private static ExternalTool.Result BuildPackage(string project, string artifacts, params string[] extra)
    {
        SeedToolchain.Ensure();
        return ExternalTool.Run(DistriCli.Dotnet,
            [
                "build", project, "-nologo", "-v:n", "-nodeReuse:false", SeedToolchain.Property,
                $"-p:DistriArtifactsDir={artifacts}/", $"-p:DistriSourcesDir={RepoPaths.Root}/artifacts/sources/",
                "-p:DistriSkipTasksBuild=true", $"-p:DistriCommand={DistriCli.Command}", .. extra,
            ],
            Path.GetDirectoryName(project),
            new Dictionary<string, string> { ["MSBUILDDISABLENODEREUSE"] = "1", ["DistriSkipPrereqs"] = "true", ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1" },
            TimeSpan.FromMinutes(20));
    }

    private static Distribution Build()
    {
        RequireEverything();
        var d = Built.Value;
        Assert.AreEqual(0, d.Zsh.ExitCode, "dotnet build pkgs/zsh failed:\n" + Tail(d.Zsh));
        Assert.AreEqual(0, d.Less.ExitCode, "dotnet build pkgs/less failed:\n" + Tail(d.Less));
        return d;
    }

    /// <summary>
    /// The repository this class built (ncurses, zsh, less) from the checkout, for a test that
    /// compares it with a build in another directory without building them a second time here.
    /// </summary>
    internal static string BuiltRepository() => Build().Repository;

    /// <summary>`dotnet build` of a package in any checkout into <paramref name="artifacts"/>, as this class builds.</summary>
    internal static ExternalTool.Result BuildIn(string project, string artifacts, params string[] extra) => BuildPackage(project, artifacts, extra);

    internal static string Tail(ExternalTool.Result r) => string.Join('\n', (r.StandardOutput + r.StandardError).Split('\n').TakeLast(60));

    // zsh execs the last simple command of -c in place of itself: the trailing ':' keeps $$ zsh's own.

    private static ExternalTool.Result RunWithRo(string repository, string script) => EmptyRoot.Run(repository, "/ro/bin/zsh", "-c", script);

    private static T WithRo<T>(string repository, Func<TempDirectory, string, T> action) => EmptyRoot.WithRo(repository, action);

    [TestMethod]
    public void BuildingZshBuildsNcursesFirstAndEachRunsInItsOwnView()
    {
        var d = Build();
        var output = d.Zsh.StandardOutput;
        var ncursesStep = output.IndexOf($"--prefix=/ro/{Ncurses}/out", StringComparison.Ordinal);
        var zshStep = output.IndexOf($"--prefix=/ro/{Zsh}/out", StringComparison.Ordinal);
        Assert.IsTrue(ncursesStep >= 0 && zshStep > ncursesStep, "ncurses configures before zsh");
        Assert.Contains($"Build environment of {Zsh}: 3 packages at /ro", output, "ncurses, ncurses-dev and the seed toolchain");
        Assert.IsTrue(File.Exists(Path.Combine(d.Repository, Zsh + ".squashfs")));
    }

    [TestMethod]
    public void ZshAndLessMetasListNcursesAndTheToolchainsLibcAndNothingOfTheHost()
    {
        var d = Build();
        var seed = Path.GetFileName(Directory.EnumerateFiles(SeedToolchain.Repository, "seed-amd64-*.meta.yaml").Single())[..^".meta.yaml".Length];
        foreach (var full in new[] { Zsh, Less })
        {
            var meta = Yaml.ReadMeta(Path.Combine(d.Repository, full + ".meta.yaml"));
            CollectionAssert.AreEquivalent(new[] { Ncurses, seed }, meta.RuntimeDependencies, $"{full} runtime closure");
            Assert.IsEmpty(meta.SystemRequirements, $"{full} needs nothing of the host");
        }
        CollectionAssert.AreEqual(new[] { seed }, Yaml.ReadMeta(Path.Combine(d.Repository, Ncurses + ".meta.yaml")).RuntimeDependencies, "ncurses needs only the C library");
    }

    [TestMethod]
    public void NcursesKeepsItsLibrariesAndTerminfoAndNcursesDevTakesWhatBuildsNeed()
    {
        var d = Build();
        using var ncurses = Distri.SquashFs.SquashFsImage.Open(Path.Combine(d.Repository, Ncurses + ".squashfs"));
        using var dev = Distri.SquashFs.SquashFsImage.Open(Path.Combine(d.Repository, NcursesDev + ".squashfs"));
        foreach (var path in new[] { "out/lib/libncursesw.so.6", "out/lib/libncursesw.so", "out/share/terminfo/x/xterm", "out/bin/tput" })
            Assert.IsNotNull(ncurses.Lookup(path), $"{Ncurses} lacks {path}");
        foreach (var path in new[] { "out/include/curses.h", "out/lib/pkgconfig/ncursesw.pc", "out/share/man/man3/curs_getch.3x", "out/bin/ncursesw6-config" })
        {
            Assert.IsNotNull(dev.Lookup(path), $"{NcursesDev} lacks {path}");
            Assert.IsNull(ncurses.Lookup(path), $"{Ncurses} still holds {path}");
        }
        CollectionAssert.AreEqual(new[] { NcursesDev }, Yaml.ReadMeta(Path.Combine(d.Repository, Ncurses + ".meta.yaml")).SplitPackages);
        CollectionAssert.Contains(Yaml.ReadMeta(Path.Combine(d.Repository, NcursesDev + ".meta.yaml")).RuntimeDependencies, Ncurses);
    }

    [TestMethod]
    public void WithNcursesDevInstalledItsHeadersAreAlsoAtNcursesOwnPrefix()
    {
        // Where ncursesw.pc and ncursesw6-config say they are: /ro/<ncurses>/out/include.
        var d = Build();
        var found = WithRo(d.Repository, (_, mountPoint) => File.Exists(Path.Combine(mountPoint, Ncurses, "out/include/curses.h"))
            && File.Exists(Path.Combine(mountPoint, "include/curses.h")));
        Assert.IsTrue(found);
    }

    [TestMethod]
    public void EveryElfIsPinnedToTheLoaderAndLibrariesOfItsOwnClosure()
    {
        var d = Build();
        var problems = WithRo(d.Repository, (_, mountPoint) => new[] { Ncurses, Zsh, Less }
            .SelectMany(full => ElfPinning.Violations(mountPoint, d.Repository, PackageFullName.Parse(full))).ToList());
        Assert.IsEmpty(problems, string.Join('\n', problems));
    }

    [TestMethod]
    public void ZshLoadsZleWithTheNcursesItWasBuiltAgainst()
    {
        var d = Build();
        var r = RunWithRo(d.Repository, "zmodload zsh/zle && echo ok; while read -r l; do [[ $l == *libncursesw* ]] && print -r -- $l; done < /proc/$$/maps; :");
        Assert.AreEqual(0, r.ExitCode, r.StandardError);
        Assert.StartsWith("ok\n", r.StandardOutput, r.StandardError);
        Assert.Contains($"/ro/{Ncurses}/out/lib/libncursesw.so", r.StandardOutput, "mapped from its exact package directory");
    }

    [TestMethod]
    public void InstallingANewerNcursesDoesNotChangeWhatZshLoads()
    {
        var d = Build();
        using var temp = new TempDirectory("buildenv-store");
        EmptyRoot.LinkStore(temp.Path, d.Repository);
        // The same files under the next revision, which now wins /ro/lib.
        var newer = PackageFullName.Parse(Ncurses) with { Revision = PackageFullName.Parse(Ncurses).Revision + 1 };
        File.Copy(Path.Combine(d.Repository, Ncurses + ".squashfs"), temp[StoreLayout.ImageFileName(newer)]);
        var meta = Yaml.ReadMeta(Path.Combine(d.Repository, Ncurses + ".meta.yaml"));
        meta.Revision = newer.Revision;
        File.WriteAllText(temp[StoreLayout.MetaFileName(newer)], Yaml.Serialize(meta));

        var r = RunWithRo(temp.Path, "zmodload zsh/stat; zstat -L +link /ro/lib/libncursesw.so.6; zmodload zsh/zle && while read -r l; do [[ $l == *libncursesw* ]] && print -r -- $l; done < /proc/$$/maps; :");
        Assert.AreEqual(0, r.ExitCode, r.StandardError);
        var lines = r.StandardOutput.Split('\n');
        Assert.Contains(newer.ToString(), lines[0], "the exchange dir shows the newer ncurses");
        Assert.Contains($"/ro/{Ncurses}/out/lib/libncursesw.so", r.StandardOutput, "zsh stays on the ncurses it linked");
        Assert.DoesNotContain($"/ro/{newer}/", string.Join('\n', lines.Skip(1)));
    }

    [TestMethod]
    public void LessRunsAndZshsManualPageIsFoundUnderRoShareMan()
    {
        var d = Build();
        var r = RunWithRo(d.Repository, "/ro/bin/less --version; print -r -- /ro/share/man/man1/zsh.1(:A); /ro/bin/less /ro/share/man/man1/zsh.1 | while read -r l; do [[ $l == *'the Z shell'* ]] && print -r -- $l; done; :");
        Assert.AreEqual(0, r.ExitCode, r.StandardError);
        var lines = r.StandardOutput.Split('\n');
        Assert.StartsWith("less 590", lines[0]);
        // The exchange-dir symlink leads to the page in zsh's own directory.
        Assert.Contains($"/ro/{Zsh}/out/share/man/man1/zsh.1", r.StandardOutput);
        Assert.Contains("the Z shell", r.StandardOutput);
    }

    [TestMethod]
    public void NoViewStaysMountedAfterTheBuilds()
    {
        var d = Build();
        var artifacts = d.Temp["artifacts"];
        Assert.IsFalse(File.ReadLines("/proc/self/mountinfo").Any(l => l.Contains(artifacts, StringComparison.Ordinal)),
            "a build view under the artifacts is still mounted");
    }

    [TestMethod]
    public void ZshWithoutItsNcursesDependencyFailsToConfigure()
    {
        RequireEverything();
        using var temp = new TempDirectory("buildenv-undeclared");
        File.WriteAllText(temp["global.json"], File.ReadAllText(Path.Combine(RepoPaths.Root, "global.json")));
        File.WriteAllText(temp["NuGet.config"], $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="distri-sdk" value="{Path.Combine(RepoPaths.Root, "eng", "sdk-feed")}" />
              </packageSources>
            </configuration>
            """);
        // The distribution has ncurses, but this zsh does not declare it.
        foreach (var name in new[] { "ncurses", "zsh" })
        {
            var dir = temp.CreateDirectory("pkgs/" + name);
            var text = File.ReadAllText(Path.Combine(RepoPaths.Root, $"pkgs/{name}/{name}.distpkg"));
            File.WriteAllText(Path.Combine(dir, name + ".distpkg"), text.Replace("<Dependency Include=\"ncurses\" />", "", StringComparison.Ordinal));
        }
        var r = BuildPackage(temp["pkgs/zsh/zsh.distpkg"], temp["artifacts"],
            $"-p:DistriPackagesDir={temp["pkgs"]}/", $"-p:DistriRepositoryRoot={RepoPaths.Root}/");
        var output = r.StandardOutput + r.StandardError;
        Assert.AreNotEqual(0, r.ExitCode, "zsh must not find ncurses it did not declare:\n" + Tail(r));
        Assert.Contains("error DST3001", output, Tail(r));
        Assert.Contains("No terminal handling library", output, "zsh's configure finds no ncurses (neither /ro nor the host's)");
        Assert.IsFalse(File.Exists(temp["artifacts/repo/pkg/" + Zsh + ".squashfs"]));
    }

    // At the end of the assembly, not of this class: ReproducibleSampleTests compares against it.
    [AssemblyCleanup]
    public static void RemoveTheDistribution()
    {
        if (Built.IsValueCreated) Built.Value.Temp.Dispose();
    }
}
