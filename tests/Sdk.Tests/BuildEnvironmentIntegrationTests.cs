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
    private const string Ncurses = "ncurses-amd64-6.4-1";
    private const string Zsh = "zsh-amd64-5.9-1";
    private const string Less = "less-amd64-590-1";

    private static readonly Lazy<Distribution> Built = new(Distribution.Build, LazyThreadSafetyMode.ExecutionAndPublication);

    private static string DistriDll => Path.Combine(AppContext.BaseDirectory, "distri.dll");
    private static string Dotnet => ExternalTool.Find("dotnet") ?? "dotnet";

    private static void RequireEverything()
    {
        Requires.Fuse();
        Requires.Tool("bwrap");
        Requires.Tool("apt-get");
        Requires.Tool("gcc");
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
    private static ExternalTool.Result BuildPackage(string project, string artifacts, params string[] extra) =>
        ExternalTool.Run(Dotnet,
            [
                "build", project, "-nologo", "-v:n", "-nodeReuse:false",
                $"-p:DistriArtifactsDir={artifacts}/", $"-p:DistriSourcesDir={RepoPaths.Root}/artifacts/sources/",
                "-p:DistriSkipTasksBuild=true", $"-p:DistriCommand={Dotnet} {DistriDll}", .. extra,
            ],
            Path.GetDirectoryName(project),
            new Dictionary<string, string> { ["MSBUILDDISABLENODEREUSE"] = "1", ["DistriSkipPrereqs"] = "true", ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1" },
            TimeSpan.FromMinutes(20));

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

    /// <summary>Mounts <c>distri fuse</c> over <paramref name="store"/> and runs a script with it at /ro (read-only host, no network).</summary>
    private static ExternalTool.Result RunWithRo(string store, string script)
    {
        using var temp = new TempDirectory("buildenv-ro");
        var mountPoint = temp.CreateDirectory("ro");
        var log = temp["fuse.log"];
        using var daemon = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("/bin/sh")
        {
            ArgumentList = { "-c", "exec \"$@\" >\"$0\" 2>&1", log, Dotnet, DistriDll, "fuse", "--store", store, mountPoint },
            UseShellExecute = false,
        })!;
        try
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while (!(File.Exists(log) && File.ReadAllText(log).Contains("ready", StringComparison.Ordinal)))
            {
                if (daemon.HasExited || clock.Elapsed > TimeSpan.FromSeconds(60))
                    Assert.Fail("distri fuse did not get ready:\n" + (File.Exists(log) ? File.ReadAllText(log) : ""));
                Thread.Sleep(20);
            }
            new SandboxSpec { View = mountPoint, Writable = [temp.Path] }.Write(temp["spec.json"]);
            return ExternalTool.Run(Dotnet, [DistriDll, "sandbox", "--spec", temp["spec.json"], "--", "/bin/sh", "-c", script], temp.Path);
        }
        finally
        {
            if (!daemon.HasExited) daemon.Kill();
            daemon.WaitForExit();
            ExternalTool.Run("umount", ["-l", mountPoint]);
        }
    }

    [TestMethod]
    public void BuildingZshBuildsNcursesFirstAndEachRunsInItsOwnView()
    {
        var d = Build();
        var output = d.Zsh.StandardOutput;
        var ncursesStep = output.IndexOf($"--prefix=/ro/{Ncurses}/out", StringComparison.Ordinal);
        var zshStep = output.IndexOf($"--prefix=/ro/{Zsh}/out", StringComparison.Ordinal);
        Assert.IsTrue(ncursesStep >= 0 && zshStep > ncursesStep, "ncurses configures before zsh");
        Assert.Contains($"Build environment of {Zsh}: 1 packages at /ro", output);
        Assert.IsTrue(File.Exists(Path.Combine(d.Repository, Zsh + ".squashfs")));
    }

    [TestMethod]
    public void ZshAndLessMetasListNcursesAndHostLibcSeparately()
    {
        var d = Build();
        foreach (var full in new[] { Zsh, Less })
        {
            var meta = Yaml.ReadMeta(Path.Combine(d.Repository, full + ".meta.yaml"));
            CollectionAssert.AreEqual(new[] { Ncurses }, meta.RuntimeDependencies, $"{full} runtime closure");
            CollectionAssert.Contains(meta.SystemRequirements, "libc.so.6", $"{full} needs the host libc");
        }
        Assert.IsEmpty(Yaml.ReadMeta(Path.Combine(d.Repository, Ncurses + ".meta.yaml")).RuntimeDependencies, "ncurses needs no package");
    }

    [TestMethod]
    public void ZshLoadsZleWithTheNcursesItWasBuiltAgainst()
    {
        var d = Build();
        var r = RunWithRo(d.Repository, "/ro/bin/zsh -c 'zmodload zsh/zle && echo ok; grep libncursesw /proc/$$/maps; :'");
        Assert.AreEqual(0, r.ExitCode, r.StandardError);
        Assert.StartsWith("ok\n", r.StandardOutput, r.StandardError);
        Assert.Contains($"/ro/{Ncurses}/out/lib/libncursesw.so", r.StandardOutput, "mapped from its exact package directory");
    }

    [TestMethod]
    public void InstallingANewerNcursesDoesNotChangeWhatZshLoads()
    {
        var d = Build();
        using var temp = new TempDirectory("buildenv-store");
        foreach (var file in Directory.EnumerateFiles(d.Repository, "*-amd64-*"))
            File.CreateSymbolicLink(temp[Path.GetFileName(file)], file);
        // ncurses-…-2: the same files under a newer revision, which now wins /ro/lib.
        var newer = PackageFullName.Parse(Ncurses) with { Revision = 2 };
        File.Copy(Path.Combine(d.Repository, Ncurses + ".squashfs"), temp[StoreLayout.ImageFileName(newer)]);
        var meta = Yaml.ReadMeta(Path.Combine(d.Repository, Ncurses + ".meta.yaml"));
        meta.Revision = 2;
        File.WriteAllText(temp[StoreLayout.MetaFileName(newer)], Yaml.Serialize(meta));

        var r = RunWithRo(temp.Path, "readlink /ro/lib/libncursesw.so.6; /ro/bin/zsh -c 'zmodload zsh/zle && grep libncursesw /proc/$$/maps; :'");
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
        var r = RunWithRo(d.Repository, "/ro/bin/less --version | head -1; man -w -M /ro/share/man zsh; MANPAGER=cat man -M /ro/share/man zsh 2>/dev/null | head -20");
        Assert.AreEqual(0, r.ExitCode, r.StandardError);
        var lines = r.StandardOutput.Split('\n');
        Assert.StartsWith("less 590", lines[0]);
        // man follows the exchange-dir symlink to the page in zsh's own directory.
        Assert.EndsWith("/out/share/man/man1/zsh.1", lines[1]);
        Assert.Contains("zsh - the Z shell", r.StandardOutput);
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
