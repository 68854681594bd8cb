namespace Distri.Testing;

/// <summary>
/// The bootstrap seed (pkgs/seed), the toolchain every package build needs, built once per
/// checkout (<see cref="CheckoutPackages"/>, ≈ 30 s the first time, a no-op after) and shared by
/// every test that builds a package: tests build on the seed toolchain (the distri toolchain is
/// gcc and glibc, hours to build) and point DistriToolchainRepositoryDir at it instead of
/// building a seed into each temp repository.
/// </summary>
public static class SeedToolchain
{
    public static string Repository => CheckoutPackages.Repository;

    /// <summary>The MSBuild property that makes a build use this seed (and the checkout's builder tools).</summary>
    public static string Property => $"-p:DistriToolchain=seed;DistriToolchainRepositoryDir={Repository}";

    /// <summary>Builds the seed if needed; a seed that cannot be fetched (no Debian archive) ends the test as inconclusive.</summary>
    public static void Ensure()
    {
        var result = CheckoutPackages.Build("seed");
        if (result.ExitCode == 0) return;
        if ((result.StandardOutput + result.StandardError).Contains("DST2005", StringComparison.Ordinal))
            Microsoft.VisualStudio.TestTools.UnitTesting.Assert.Inconclusive("the seed's Debian packages cannot be fetched here:\n" + CheckoutPackages.Tail(result));
        throw new InvalidOperationException("dotnet build pkgs/seed failed:\n" + CheckoutPackages.Tail(result));
    }
}
