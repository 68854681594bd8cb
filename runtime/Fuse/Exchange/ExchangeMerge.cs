using Distri.Packages;

namespace Distri.Fuse.Exchange;

/// <summary>One name in a merged exchange directory: a directory (merged further down) or a link to the winner.</summary>
public readonly record struct ExchangeEntry(bool IsDirectory, PackageFullName Winner);

/// <summary>What one package has in a directory it contributes: names, and whether each is a directory.</summary>
public readonly record struct ContributedEntry(string Name, bool IsDirectory);

/// <summary>
/// Merges the listings several packages have at the same path (e.g. <c>out/share/man</c>) into one
/// exchange directory. A name any package has as a directory is a directory (a file never shadows a
/// directory); otherwise it links to the newest contributor (<see cref="PackageOrder"/>).
/// </summary>
public static class ExchangeMerge
{
    public static SortedDictionary<string, ExchangeEntry> Merge(IEnumerable<(PackageFullName Package, IEnumerable<ContributedEntry> Entries)> contributions)
    {
        var merged = new SortedDictionary<string, ExchangeEntry>(StringComparer.Ordinal);
        foreach (var (package, entries) in contributions)
        {
            foreach (var entry in entries)
            {
                if (!merged.TryGetValue(entry.Name, out var current))
                {
                    merged[entry.Name] = new ExchangeEntry(entry.IsDirectory, package);
                    continue;
                }
                var wins = PackageOrder.Newer.Compare(package, current.Winner) > 0;
                // Directory beats file; among equals the priority decides.
                if ((entry.IsDirectory && !current.IsDirectory) || (entry.IsDirectory == current.IsDirectory && wins))
                    merged[entry.Name] = new ExchangeEntry(entry.IsDirectory, package);
            }
        }
        return merged;
    }

    /// <summary>
    /// The relative link target for <paramref name="name"/> in exchange directory
    /// <paramref name="directory"/> (e.g. "share/man/man1"): one ".." per path component, then the
    /// package's own <c>out/</c> path, so the tree works under any mount point.
    /// </summary>
    public static string LinkTarget(string directory, string name, PackageFullName winner)
    {
        var depth = directory.Split('/', StringSplitOptions.RemoveEmptyEntries).Length;
        var up = string.Concat(Enumerable.Repeat("../", depth));
        return $"{up}{winner}/out/{directory}/{name}";
    }
}
