using System.Text;
using System.Text.RegularExpressions;
using Distri.Packages;

namespace Distri.Tasks.Images;

/// <summary>
/// Which image of a package each entry of its install tree goes into. A split part
/// (<c>&lt;Split Include="ncurses-dev" Paths="out/include/**;…" /&gt;</c>) claims what its patterns
/// match — a matched directory with everything below it — the first part listed winning; the main
/// package keeps every other entry and <em>every directory</em>, so that a part's files can be
/// shown inside the main package's own tree again (<see cref="Joins"/>), where the paths compiled
/// in with its prefix (<c>pkg-config</c>'s includedir, <c>*-config</c> scripts) look for them.
/// Patterns are relative to the image root: <c>**</c> any number of directories, <c>*</c> and
/// <c>?</c> within one name. Pure logic: the packer, the runtime-dependency scan and the tests
/// share it.
/// </summary>
public sealed class SplitLayout
{
    private readonly List<(PackageFullName Part, Regex[] Patterns)> _splits;

    public SplitLayout(PackageFullName main, IEnumerable<(PackageFullName Part, IEnumerable<string> Patterns)> splits)
    {
        Main = main;
        _splits = [.. splits.Select(s => (s.Part, s.Patterns.Select(ToRegex).ToArray()))];
    }

    public PackageFullName Main { get; }

    /// <summary>From the SDK's split items: (full name, ';'-separated patterns) each, in definition order.</summary>
    public static SplitLayout Parse(string mainFullName, IEnumerable<(string FullName, string Paths)> splits) =>
        new(PackageFullName.Parse(mainFullName), splits.Select(s => (PackageFullName.Parse(s.FullName),
            (IEnumerable<string>)s.Paths.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))));

    /// <summary>The split parts, in definition order.</summary>
    public IEnumerable<PackageFullName> Splits => _splits.Select(s => s.Part);

    /// <summary>Why <paramref name="pattern"/> is not a usable path pattern; null when it is.</summary>
    public static string? Invalid(string pattern) =>
        pattern.Length == 0 ? "an empty pattern"
        : pattern.StartsWith('/') ? $"'{pattern}' is absolute; patterns are relative to the image root, e.g. out/include/**"
        : pattern.Split('/').Any(s => s is "" or "." or "..") ? $"'{pattern}' has an empty, '.' or '..' segment"
        : null;

    /// <summary>The part a file, link or directory at <paramref name="relative"/> (below the image root) belongs to.</summary>
    public PackageFullName OwnerOf(string relative)
    {
        foreach (var (part, patterns) in _splits)
        {
            // A matched directory claims what is below it: test the path and each of its parents.
            for (var path = relative; path.Length > 0; path = Parent(path))
                if (patterns.Any(p => p.IsMatch(path))) return part;
        }
        return Main;
    }

    /// <summary>Whether <paramref name="part"/>'s image holds the entry (the SquashFS writer's Include).</summary>
    public bool Includes(PackageFullName part, string relative, bool isDirectory) =>
        part == Main ? isDirectory || OwnerOf(relative) == Main : OwnerOf(relative) == part;

    /// <summary>
    /// The directories below <c>out/</c> that hold files of <paramref name="part"/>: each is shown
    /// inside the main package's same directory (its meta's exchangeDirectories, host = the main
    /// package), which the main image always has.
    /// </summary>
    public SortedSet<string> Joins(string imageRoot, PackageFullName part) =>
        new(part == Main ? [] : Files(imageRoot).Where(f => f.StartsWith("out/", StringComparison.Ordinal) && OwnerOf(f) == part)
            .Select(Parent).Where(d => d != "out").Select(d => d["out/".Length..]), StringComparer.Ordinal);

    /// <summary>How many files (and links) <paramref name="part"/> claims.</summary>
    public int CountFiles(string imageRoot, PackageFullName part) => Files(imageRoot).Count(f => OwnerOf(f) == part);

    /// <summary>Every entry but directories below the image root, relative; symbolic links are listed, never followed.</summary>
    public static IEnumerable<string> Files(string imageRoot)
    {
        var pending = new Stack<(DirectoryInfo Directory, string Relative)>();
        pending.Push((new DirectoryInfo(imageRoot), ""));
        while (pending.TryPop(out var next))
        {
            foreach (var entry in next.Directory.EnumerateFileSystemInfos("*", new EnumerationOptions { AttributesToSkip = 0, IgnoreInaccessible = false }))
            {
                var relative = next.Relative.Length == 0 ? entry.Name : next.Relative + "/" + entry.Name;
                if (entry is DirectoryInfo directory && entry.LinkTarget is null) pending.Push((directory, relative));
                else yield return relative;
            }
        }
    }

    private static string Parent(string path)
    {
        var slash = path.LastIndexOf('/');
        return slash < 0 ? "" : path[..slash];
    }

    private static Regex ToRegex(string pattern)
    {
        var regex = new StringBuilder("^");
        for (var i = 0; i < pattern.Length; i++)
        {
            if (pattern[i] == '*' && i + 1 < pattern.Length && pattern[i + 1] == '*')
            {
                // "**/" is zero or more directories, a trailing "**" anything below.
                var slash = i + 2 < pattern.Length && pattern[i + 2] == '/';
                regex.Append(slash ? "(?:.*/)?" : ".*");
                i += slash ? 2 : 1;
            }
            else if (pattern[i] == '*') regex.Append("[^/]*");
            else if (pattern[i] == '?') regex.Append("[^/]");
            else regex.Append(Regex.Escape(pattern[i].ToString()));
        }
        return new Regex(regex.Append('$').ToString(), RegexOptions.CultureInvariant);
    }
}
