using Distri.Packages;

namespace Distri.Tasks.BuildEnvironment;

/// <summary>
/// The environment of a build step: tools and headers from the /ro view first, then the host
/// toolchain stage; and LDFLAGS whose rpaths pin every binary to the exact dependency directories
/// it was linked against, so a newer revision installed later never changes what it loads.
/// </summary>
public static class BuildEnvironmentVariables
{
    /// <summary>The host toolchain stage (gcc, make, coreutils) after the view.</summary>
    public const string HostPath = "/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin";

    public static SortedDictionary<string, string> For(PackageFullName self, IEnumerable<PackageFullName> closure)
    {
        // Own libraries first (a program linking its own freshly built library), then the closure,
        // newest revision first when a name appears twice.
        var libDirs = new List<string> { $"/ro/{self}/out/lib" };
        libDirs.AddRange(PackageClosure.Order(closure).Select(full => $"/ro/{full}/out/lib"));
        return new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["PATH"] = "/ro/bin:" + HostPath,
            ["CPATH"] = "/ro/include",
            ["LIBRARY_PATH"] = "/ro/lib",
            ["PKG_CONFIG_PATH"] = "/ro/lib/pkgconfig:/ro/share/pkgconfig",
            // The sandbox appends the step's own LDFLAGS (from the package) after these.
            ["LDFLAGS"] = string.Join(' ', libDirs.Select(dir => "-Wl,-rpath," + dir)),
        };
    }
}
