namespace Distri.Testing;

/// <summary>
/// The bootstrap seed (pkgs/seed), the toolchain every package build needs, built once per
/// checkout into its own artifacts/repo/pkg (`dotnet build pkgs/seed`, ≈ 30 s the first time,
/// a no-op after) and shared by every test that builds a package: tests point
/// DistriToolchainRepositoryDir at it instead of building a seed into each temp repository.
/// </summary>
public static class SeedToolchain
{
    private static readonly Lazy<ExternalTool.Result> Built = new(Build, LazyThreadSafetyMode.ExecutionAndPublication);

    public static string Repository { get; } = System.IO.Path.Combine(RepoPaths.Root, "artifacts", "repo", "pkg") + "/";

    /// <summary>The MSBuild property that makes a build use this seed.</summary>
    public static string Property => $"-p:DistriToolchainRepositoryDir={Repository}";

    /// <summary>Builds the seed if needed; a seed that cannot be fetched (no Debian archive) ends the test as inconclusive.</summary>
    public static void Ensure()
    {
        var result = Built.Value;
        if (result.ExitCode == 0) return;
        var output = result.StandardOutput + result.StandardError;
        if (output.Contains("DST2005", StringComparison.Ordinal))
            Microsoft.VisualStudio.TestTools.UnitTesting.Assert.Inconclusive("the seed's Debian packages cannot be fetched here:\n" + Tail(output));
        throw new InvalidOperationException("dotnet build pkgs/seed failed:\n" + Tail(output));
    }

    private static ExternalTool.Result Build()
    {
        var project = System.IO.Path.Combine(RepoPaths.Root, "pkgs", "seed", "seed.distpkg");
        Directory.CreateDirectory(System.IO.Path.Combine(RepoPaths.Root, "artifacts"));
        // Test assemblies run in parallel processes: one builds, the others wait and find it current.
        return ExternalTool.Run("flock", [System.IO.Path.Combine(RepoPaths.Root, "artifacts", ".seed.lock"),
                "dotnet", "build", project, "-nologo", "-v:m", "-nodeReuse:false", "-p:DistriSkipTasksBuild=true"],
            System.IO.Path.GetDirectoryName(project),
            new Dictionary<string, string> { ["MSBUILDDISABLENODEREUSE"] = "1", ["DistriSkipPrereqs"] = "true", ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1" },
            TimeSpan.FromMinutes(15));
    }

    private static string Tail(string output) => string.Join('\n', output.Split('\n').TakeLast(30));
}
