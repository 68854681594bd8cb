namespace Distri.Packages;

/// <summary>
/// The packages of a distribution, <c>pkgs/&lt;name&gt;/&lt;name&gt;.distpkg</c>, and their dependency
/// edges: what `distri bump --reverse`, `distri ci` and the build summary reason about. Names are
/// the folder names (what a <c>Dependency</c> refers to); dependencies without a definition are kept
/// as edges to unknown names and ignored by the walks. Besides a definition's own dependencies, the
/// SDK's: its toolchain and its builder's tools (<see cref="SdkDependencies"/>) — gcc is a
/// dependency of every package built with it.
/// </summary>
public sealed class PackageGraph
{
    private readonly Dictionary<string, IReadOnlyList<string>> _dependencies;

    private PackageGraph(SortedDictionary<string, PackageDefinition> packages, SdkDependencies sdk)
    {
        Packages = packages;
        _dependencies = packages.ToDictionary(p => p.Key,
            p => (IReadOnlyList<string>)[.. p.Value.Dependencies.Concat(sdk.Of(p.Value)).Distinct(StringComparer.Ordinal).Where(packages.ContainsKey)], StringComparer.Ordinal);
    }

    public IReadOnlyDictionary<string, PackageDefinition> Packages { get; }

    /// <summary>The definitions in <paramref name="packagesDirectory"/>, with the SDK's edges when the SDK sits beside it (<c>pkgs/../sdk/Sdk</c>).</summary>
    public static PackageGraph Load(string packagesDirectory) => Load(packagesDirectory, SdkDependencies.ForPackagesDirectory(packagesDirectory));

    public static PackageGraph Load(string packagesDirectory, SdkDependencies sdk)
    {
        var packages = new SortedDictionary<string, PackageDefinition>(StringComparer.Ordinal);
        if (!Directory.Exists(packagesDirectory)) throw new DirectoryNotFoundException($"{packagesDirectory}: no such packages directory");
        foreach (var folder in Directory.EnumerateDirectories(packagesDirectory))
        {
            var name = Path.GetFileName(folder);
            var path = Path.Combine(folder, name + PackageDefinition.Extension);
            if (File.Exists(path)) packages[name] = PackageDefinition.Read(path);
        }
        return new PackageGraph(packages, sdk);
    }

    /// <summary>
    /// The definition that publishes <paramref name="name"/>: its own, or the one it is a split part
    /// or the debug image of (<c>ncurses-dev</c>, <c>zsh-debug</c>); null when none does.
    /// </summary>
    public string? DefinitionOf(string name) =>
        Packages.ContainsKey(name) ? name
        : Packages.Where(p => p.Value.Splits.Contains(name, StringComparer.Ordinal) || p.Value.Name + "-debug" == name).Select(p => p.Key).FirstOrDefault();

    /// <summary>The known direct dependencies of <paramref name="name"/>.</summary>
    public IEnumerable<string> DependenciesOf(string name) => _dependencies.GetValueOrDefault(name, []);

    /// <summary>Every package that depends on one of <paramref name="names"/>, directly or not (not the names themselves).</summary>
    public SortedSet<string> ReverseDependencies(IEnumerable<string> names)
    {
        var wanted = new HashSet<string>(names, StringComparer.Ordinal);
        var result = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var name in Packages.Keys)
            if (!wanted.Contains(name) && Closure(name).Overlaps(wanted)) result.Add(name);
        return result;
    }

    /// <summary>Every package <paramref name="name"/> depends on, directly or not.</summary>
    public SortedSet<string> Closure(string name)
    {
        var seen = new SortedSet<string>(StringComparer.Ordinal);
        var work = new Stack<string>(DependenciesOf(name));
        while (work.TryPop(out var next))
            if (seen.Add(next)) foreach (var dep in DependenciesOf(next)) work.Push(dep);
        seen.Remove(name);
        return seen;
    }

    /// <summary>
    /// The direct dependencies that are not also reached through another dependency (the transitive
    /// reduction): the edges a CI engine needs, fewer of them (GitLab allows 50 per job).
    /// </summary>
    public SortedSet<string> Needs(string name)
    {
        var direct = DependenciesOf(name).ToHashSet(StringComparer.Ordinal);
        var needs = new SortedSet<string>(direct, StringComparer.Ordinal);
        foreach (var dep in direct) needs.ExceptWith(Closure(dep));
        return needs;
    }

    /// <summary>Packages by level: level 0 depends on nothing, level n only on levels below n. A cycle is an error naming its packages.</summary>
    public IReadOnlyList<IReadOnlyList<string>> Levels()
    {
        var level = new Dictionary<string, int>(StringComparer.Ordinal);
        var remaining = new SortedSet<string>(Packages.Keys, StringComparer.Ordinal);
        var levels = new List<IReadOnlyList<string>>();
        while (remaining.Count > 0)
        {
            var ready = remaining.Where(n => DependenciesOf(n).All(level.ContainsKey)).ToList();
            if (ready.Count == 0) throw new InvalidDataException($"dependency cycle among: {string.Join(", ", remaining)}");
            foreach (var n in ready) level[n] = levels.Count;
            remaining.ExceptWith(ready);
            levels.Add(ready);
        }
        return levels;
    }
}
