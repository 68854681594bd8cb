namespace Distri.Cli.Scaffold;

/// <summary>
/// The builder a source tree asks for, read from its tarball's listing: the build file at the top
/// of the tree decides, else one directory down (the tree's build then lives in that
/// <see cref="Subdirectory"/>); with none that distri has a builder for, <c>custom</c>.
/// </summary>
/// <param name="Builder">autotools, cmake, meson, python, perl or custom.</param>
/// <param name="BuildFile">The file that decided, relative to the source tree; null for custom.</param>
/// <param name="Subdirectory">The directory of the source tree holding the build file, when it is not the top.</param>
/// <param name="HasMakefile">custom: a Makefile at the top (make and make install may do).</param>
/// <param name="HasAutoconfInput">custom: configure.ac without configure (autoreconf first).</param>
public sealed record BuildSystem(string Builder, string? BuildFile, string? Subdirectory, bool HasMakefile = false, bool HasAutoconfInput = false)
{
    /// <summary>Build files and the builder each asks for, in order of preference when a directory holds several.</summary>
    public static readonly IReadOnlyList<(string File, string Builder)> BuildFiles =
    [
        ("configure", "autotools"),
        ("CMakeLists.txt", "cmake"),
        ("meson.build", "meson"),
        ("pyproject.toml", "python"),
        ("setup.py", "python"),
        ("Makefile.PL", "perl"),
        ("Build.PL", "perl"),
    ];

    /// <summary>Reads the build system from a tarball's entries (<c>tar -t</c> lines: directories end in '/').</summary>
    public static BuildSystem Detect(IEnumerable<string> tarEntries)
    {
        var entries = tarEntries.Select(e => e.Trim().TrimStart('/')).Select(e => e.StartsWith("./", StringComparison.Ordinal) ? e[2..] : e)
            .Where(e => e.Length > 0 && e != "./").ToList();
        // The source tree is the tarball's single top-level directory when it has one (as the SDK extracts it).
        var tops = entries.Select(e => e.Split('/')[0]).Distinct(StringComparer.Ordinal).ToList();
        var prefix = tops.Count == 1 && entries.Any(e => e.StartsWith(tops[0] + "/", StringComparison.Ordinal)) ? tops[0] + "/" : "";
        var files = entries.Where(e => !e.EndsWith('/') && e.StartsWith(prefix, StringComparison.Ordinal)).Select(e => e[prefix.Length..]).ToHashSet(StringComparer.Ordinal);

        var top = files.Where(f => !f.Contains('/')).ToHashSet(StringComparer.Ordinal);
        if (Match(top) is { } atTop) return new BuildSystem(atTop.Builder, atTop.File, null);

        var below = files.Where(f => f.Count(c => c == '/') == 1)
            .GroupBy(f => f[..f.IndexOf('/')], StringComparer.Ordinal)
            .Select(g => (Directory: g.Key, Match: Match(g.Select(f => f[(g.Key.Length + 1)..]).ToHashSet(StringComparer.Ordinal))))
            .Where(c => c.Match is not null)
            .OrderBy(c => c.Match!.Value.Rank).ThenBy(c => c.Directory, StringComparer.Ordinal)
            .FirstOrDefault();
        if (below.Match is { } m) return new BuildSystem(m.Builder, below.Directory + "/" + m.File, below.Directory);

        return new BuildSystem("custom", null, null,
            HasMakefile: top.Overlaps(["Makefile", "makefile", "GNUmakefile"]),
            HasAutoconfInput: top.Overlaps(["configure.ac", "configure.in"]));
    }

    private static (string File, string Builder, int Rank)? Match(HashSet<string> names)
    {
        for (var rank = 0; rank < BuildFiles.Count; rank++)
        {
            if (names.Contains(BuildFiles[rank].File)) return (BuildFiles[rank].File, BuildFiles[rank].Builder, rank);
        }
        return null;
    }
}
