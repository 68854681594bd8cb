using Distri.Packages;

namespace Distri.Tasks.BuildEnvironment;

/// <summary>
/// The environment of a build step: tools, headers and libraries from the /ro view, and LDFLAGS
/// that pin every binary to the exact packages it was linked against — rpaths naming each
/// dependency's library directory and the C library's, and the C library package's own loader as
/// the interpreter — so a newer revision installed later never changes what it loads, and no
/// program needs anything of the machine it runs on.
/// </summary>
public static class BuildEnvironmentVariables
{
    /// <summary>/usr/bin is the toolchain's (the seed's /usr, or the exchange directory /ro/bin).</summary>
    public const string Path = "/ro/bin:/usr/bin:/bin:/usr/sbin:/sbin";

    /// <param name="libc">The C library: its package, its library directory and loader file inside the package.</param>
    public static SortedDictionary<string, string> For(PackageFullName self, IEnumerable<PackageFullName> closure, LibcLocation? libc = null)
    {
        // Own libraries first (a program linking its own freshly built library), then the closure,
        // newest revision first when a name appears twice.
        var libDirs = new List<string> { $"/ro/{self}/out/lib" };
        libDirs.AddRange(PackageClosure.Order(closure).Select(full => $"/ro/{full}/out/lib"));
        // DT_RPATH, not DT_RUNPATH: a program's rpath also governs what its libraries load (a
        // runpath covers only the file's own needs), so a library with no search path of its own —
        // the seed's libstdc++ needing libm — still loads from the pinned C library package; and no
        // LD_LIBRARY_PATH can override it.
        var ldflags = new List<string> { "-Wl,--disable-new-dtags" };
        if (libc is not null)
        {
            libDirs.Add(libc.LibraryDirectory);
            ldflags.Add("-Wl,--dynamic-linker=" + libc.Loader);
        }
        ldflags.AddRange(libDirs.Distinct(StringComparer.Ordinal).Select(dir => "-Wl,-rpath," + dir));
        return new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["PATH"] = Path,
            ["CPATH"] = "/ro/include",
            ["LIBRARY_PATH"] = "/ro/lib",
            ["PKG_CONFIG_PATH"] = "/ro/lib/pkgconfig:/ro/share/pkgconfig",
            // The sandbox appends the step's own LDFLAGS (from the package) after these.
            ["LDFLAGS"] = string.Join(' ', ldflags),
            // Debug info in every build (autoconf's own default, which not every configure keeps):
            // the strip step moves it into the debug image. A package's own CFLAGS come after.
            ["CFLAGS"] = "-g -O2",
            ["CXXFLAGS"] = "-g -O2",
        };
    }
}

/// <summary>Where a build's C library lives inside the sandbox: <c>/ro/&lt;full&gt;/&lt;directory&gt;</c> and its loader there.</summary>
public sealed record LibcLocation(PackageFullName Package, string Directory, string LoaderFile)
{
    public string LibraryDirectory => $"/ro/{Package}/{Directory.Trim('/')}";
    public string Loader => $"{LibraryDirectory}/{LoaderFile}";
}
