namespace Distri.Store.Repositories;

/// <summary>
/// Where repositories are configured: <c>&lt;root&gt;/etc/distri/repos.d/*.repo</c>, one base URL
/// or path per line (<c>#</c> starts a comment), files read in name order.
/// </summary>
public static class RepositoryConfiguration
{
    public static string Directory(string root) => Path.Combine(root, "etc", "distri", "repos.d");

    /// <summary>Configured locations followed by <paramref name="extra"/> (e.g. <c>--repo</c>), without duplicates.</summary>
    public static IReadOnlyList<string> Locations(string root, IEnumerable<string>? extra = null)
    {
        var result = new List<string>();
        var directory = Directory(root);
        if (System.IO.Directory.Exists(directory))
        {
            foreach (var file in System.IO.Directory.EnumerateFiles(directory, "*.repo").Order(StringComparer.Ordinal))
            {
                foreach (var raw in File.ReadLines(file))
                {
                    var hash = raw.IndexOf('#', StringComparison.Ordinal);
                    var line = (hash >= 0 ? raw[..hash] : raw).Trim();
                    if (line.Length > 0) result.Add(line);
                }
            }
        }
        result.AddRange(extra ?? []);
        return result.Distinct(StringComparer.Ordinal).ToList();
    }
}
