namespace Distri.Testing;

/// <summary>
/// Packages of this checkout's pkgs/ built once on the seed toolchain (`dotnet build pkgs/NAME
/// -p:DistriToolchain=seed`, a no-op when current) and shared by every test that needs them: the
/// seed, and the tools the meson, python and perl builders run (python3, meson, ninja, perl). Tests
/// read them from there as their toolchain repository (<see cref="SeedToolchain.Property"/>)
/// instead of building them into each temp repository. They live in artifacts/on-seed, apart from
/// the distribution's artifacts/repo: the same full names built on the distri toolchain are other
/// bytes, and a full name is immutable. The first build of python3 or perl takes long.
/// </summary>
public static class CheckoutPackages
{
    private static readonly Dictionary<string, Lazy<ExternalTool.Result>> Builds = [];

    public static string Repository { get; } = System.IO.Path.Combine(ArtifactsDirectory, "repo", "pkg") + "/";

    private static string ArtifactsDirectory => System.IO.Path.Combine(RepoPaths.Root, "artifacts", "on-seed");

    /// <summary>
    /// Builds each package if needed; a failed build throws with the end of its output. Under CI
    /// (CI=true) a package never built in this checkout ends the test as inconclusive instead:
    /// python3 or perl (with glibc) alone would take most of CI's time.
    /// </summary>
    public static void Ensure(params string[] names)
    {
        foreach (var name in names)
        {
            if (Environment.GetEnvironmentVariable("CI") == "true" && !(Directory.Exists(Repository) && Directory.EnumerateFiles(Repository, name + "-amd64-*.meta.yaml").Any()))
                Microsoft.VisualStudio.TestTools.UnitTesting.Assert.Inconclusive($"pkgs/{name} is not built in this checkout and CI does not build it in a test: dotnet build pkgs/{name}");
            var result = Build(name);
            if (result.ExitCode != 0)
                throw new InvalidOperationException($"dotnet build pkgs/{name} failed:\n" + Tail(result));
        }
    }

    /// <summary>The result of building pkgs/NAME in the checkout, once per test process.</summary>
    public static ExternalTool.Result Build(string name)
    {
        Lazy<ExternalTool.Result> build;
        lock (Builds)
        {
            if (!Builds.TryGetValue(name, out build!))
                Builds[name] = build = new Lazy<ExternalTool.Result>(() => RunBuild(name), LazyThreadSafetyMode.ExecutionAndPublication);
        }
        return build.Value;
    }

    public static string Tail(ExternalTool.Result result) =>
        string.Join('\n', (result.StandardOutput + result.StandardError).Split('\n').TakeLast(30));

    private static ExternalTool.Result RunBuild(string name)
    {
        var project = System.IO.Path.Combine(RepoPaths.Root, "pkgs", name, name + ".distpkg");
        Directory.CreateDirectory(System.IO.Path.Combine(RepoPaths.Root, "artifacts"));
        // Test assemblies run in parallel processes: one builds, the others wait and find it current.
        return ExternalTool.Run("flock", [System.IO.Path.Combine(RepoPaths.Root, "artifacts", ".checkout-packages.lock"),
                "dotnet", "build", project, "-nologo", "-v:m", "-nodeReuse:false", "-p:DistriSkipTasksBuild=true", "-p:DistriToolchain=seed",
                $"-p:DistriArtifactsDir={ArtifactsDirectory}/", $"-p:DistriSourcesDir={System.IO.Path.Combine(RepoPaths.Root, "artifacts", "sources")}/"],
            System.IO.Path.GetDirectoryName(project),
            new Dictionary<string, string> { ["MSBUILDDISABLENODEREUSE"] = "1", ["DistriSkipPrereqs"] = "true", ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1" },
            TimeSpan.FromMinutes(120));
    }
}
