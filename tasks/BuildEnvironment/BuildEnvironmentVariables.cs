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

    /// <param name="hostShadow">Sandbox path of the <see cref="HostShadow"/> tree, searched after the view.</param>
    public static SortedDictionary<string, string> For(PackageFullName self, IEnumerable<PackageFullName> closure, string? hostShadow = null)
    {
        string After(string path, string shadowed) => hostShadow is null ? path : $"{path}:{hostShadow}/{shadowed}";
        // Own libraries first (a program linking its own freshly built library), then the closure,
        // newest revision first when a name appears twice.
        var libDirs = new List<string> { $"/ro/{self}/out/lib" };
        libDirs.AddRange(PackageClosure.Order(closure).Select(full => $"/ro/{full}/out/lib"));
        return new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["PATH"] = "/ro/bin:" + HostPath,
            ["CPATH"] = After("/ro/include", "include"),
            ["LIBRARY_PATH"] = After("/ro/lib", "lib"),
            ["PKG_CONFIG_PATH"] = After("/ro/lib/pkgconfig:/ro/share/pkgconfig", "pkgconfig"),
            // The sandbox appends the step's own LDFLAGS (from the package) after these.
            ["LDFLAGS"] = string.Join(' ', libDirs.Select(dir => "-Wl,-rpath," + dir)),
        };
    }
}
