using System.Text;
using Distri.Packages;

namespace Distri.Store.Repositories;

/// <summary>An index entry and the repository it comes from.</summary>
public sealed record CatalogEntry(PackageFullName Name, RepositoryIndexEntry Entry, Repository Repository)
{
    public IReadOnlyList<PackageFullName> RuntimeDependencies { get; } =
        Entry.RuntimeDependencies.Select(PackageFullName.Parse).ToArray();
}

/// <summary>
/// The packages of all repositories together: resolves what the user typed (<c>zsh</c>,
/// <c>zsh-amd64</c>, <c>zsh-amd64-5.9-1</c>) to one full name, the highest revision winning
/// across repositories. A full name offered by several repositories comes from the first.
/// Index entries that are malformed (hostile or broken repositories) are skipped and reported.
/// </summary>
public sealed class PackageCatalog
{
    private readonly Dictionary<PackageFullName, CatalogEntry> _entries = [];
    private readonly Dictionary<string, List<PackageFullName>> _byNameAndArch = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<PackageFullName>> _byName = new(StringComparer.Ordinal);
    private readonly List<string> _warnings = [];

    public IReadOnlyCollection<CatalogEntry> Entries => _entries.Values;

    /// <summary>Index entries that were skipped, with why.</summary>
    public IReadOnlyList<string> Warnings => _warnings;

    /// <summary>Reads every repository's index concurrently.</summary>
    public static async Task<PackageCatalog> LoadAsync(IReadOnlyList<Repository> repositories, CancellationToken cancellationToken = default)
    {
        if (repositories.Count == 0)
        {
            throw new StoreException("no repositories configured: pass --repo URL|PATH or add a .repo file to etc/distri/repos.d");
        }
        var indexes = await Task.WhenAll(repositories.Select(r => r.ReadIndexAsync(cancellationToken))).ConfigureAwait(false);
        var catalog = new PackageCatalog();
        for (var i = 0; i < repositories.Count; i++)
        {
            catalog.Add(repositories[i], indexes[i]);
        }
        return catalog;
    }

    public void Add(Repository repository, RepositoryIndex index)
    {
        foreach (var entry in index.Packages ?? [])
        {
            var error = Validate(entry, out var name);
            if (error is not null)
            {
                _warnings.Add($"{repository.Location}: skipping index entry '{entry.FullName}': {error}");
                continue;
            }
            if (!_entries.TryAdd(name, new CatalogEntry(name, entry, repository))) continue;
            Append(_byNameAndArch, name.NameAndArch, name);
            Append(_byName, name.Name, name);
        }
    }

    private static void Append(Dictionary<string, List<PackageFullName>> map, string key, PackageFullName name)
    {
        if (!map.TryGetValue(key, out var list)) map[key] = list = [];
        list.Add(name);
    }

    private static string? Validate(RepositoryIndexEntry entry, out PackageFullName name)
    {
        if (!PackageFullName.TryParse(entry.FullName, out name, out var error)) return error;
        if (name != new PackageFullName(entry.Name, entry.Arch, entry.Version, entry.Revision)) return "fields disagree with the full name";
        if (entry.ImageSize < 0 || entry.MetaSize < 0) return "negative size";
        if (entry.MetaSize > PackageMeta.MaxFileBytes) return $"a meta of {entry.MetaSize} bytes is more than the {PackageMeta.MaxFileBytes} a meta may have";
        if (!IsSha256(entry.ImageSha256) || !IsSha256(entry.MetaSha256)) return "sha256 is not 64 lower-case hex digits";
        foreach (var dependency in entry.RuntimeDependencies ?? [])
        {
            if (!PackageFullName.TryParse(dependency, out _, out error)) return $"runtime dependency: {error}";
        }
        entry.RuntimeDependencies ??= [];
        return null;
    }

    private static bool IsSha256(string? text) =>
        text is { Length: 64 } && text.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f');

    public CatalogEntry? Find(PackageFullName name) => _entries.GetValueOrDefault(name);

    /// <summary>The newest revision of <c>name-arch</c>, or null.</summary>
    public CatalogEntry? Newest(string nameAndArch) =>
        _byNameAndArch.TryGetValue(nameAndArch, out var list) ? _entries[list.Max(PackageOrder.Newer)] : null;

    /// <summary>
    /// Resolves a full name exactly, <c>name-arch</c> to its newest revision, or a bare name to
    /// its newest revision for the default architecture (or its only architecture).
    /// </summary>
    public CatalogEntry? Resolve(string text)
    {
        if (PackageFullName.TryParse(text, out var full) && _entries.TryGetValue(full, out var exact)) return exact;
        if (Newest(text) is { } newest) return newest;
        if (_byName.TryGetValue(text, out var sameName))
        {
            var arches = sameName.Select(n => n.Arch).Distinct().ToList();
            var arch = arches.Contains(PackageFullName.DefaultArch) ? PackageFullName.DefaultArch : arches.Count == 1 ? arches[0] : null;
            if (arch is not null) return Newest($"{text}-{arch}");
        }
        return null;
    }

    /// <summary>Resolves all names or throws one error naming every unknown one with close matches.</summary>
    public IReadOnlyList<CatalogEntry> ResolveAll(IEnumerable<string> texts)
    {
        var resolved = new List<CatalogEntry>();
        var unknown = new StringBuilder();
        foreach (var text in texts)
        {
            if (Resolve(text) is { } entry)
            {
                resolved.Add(entry);
                continue;
            }
            var suggestions = Suggest(text);
            unknown.Append(unknown.Length == 0 ? "" : "; ")
                .Append($"'{text}'")
                .Append(suggestions.Count > 0 ? $" (did you mean {string.Join(", ", suggestions)}?)" : " (no close match)");
        }
        if (unknown.Length > 0)
        {
            throw new StoreException($"unknown package {unknown}; nothing installed");
        }
        return resolved;
    }

    /// <summary>Up to five known names (bare, with arch, or full) close to <paramref name="text"/> by edit distance.</summary>
    public IReadOnlyList<string> Suggest(string text)
    {
        var limit = Math.Max(2, text.Length / 3);
        return _byName.Keys.Concat(_byNameAndArch.Keys).Concat(_entries.Keys.Select(n => n.ToString()))
            .Select(candidate => (candidate, distance: EditDistance(text, candidate, limit + 1)))
            .Where(c => c.distance <= limit)
            .OrderBy(c => c.distance).ThenBy(c => c.candidate, StringComparer.Ordinal)
            .Select(c => c.candidate)
            .Take(5)
            .ToList();
    }

    /// <summary>Levenshtein distance, giving up (returning <paramref name="cap"/>) once it must exceed it.</summary>
    internal static int EditDistance(string a, string b, int cap)
    {
        if (Math.Abs(a.Length - b.Length) >= cap) return cap;
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++) previous[j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            var rowMin = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
                rowMin = Math.Min(rowMin, current[j]);
            }
            if (rowMin >= cap) return cap;
            (previous, current) = (current, previous);
        }
        return Math.Min(previous[b.Length], cap);
    }
}
