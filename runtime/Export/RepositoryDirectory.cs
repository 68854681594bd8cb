using Distri.Packages;

namespace Distri.Export;

/// <summary>
/// What <c>distri export DIR</c> serves at <c>/pkg/</c>: <c>DIR/pkg</c> (a repository, e.g. the
/// build's artifacts/repo), else <c>DIR/roimg</c> (a root, e.g. a mirror kept by
/// <c>distri update</c>), else DIR itself (a store or package directory).
/// </summary>
public static class RepositoryDirectory
{
    public static string ResolvePackageDirectory(string directory)
    {
        var full = Path.GetFullPath(directory);
        foreach (var candidate in new[] { Path.Combine(full, "pkg"), Path.Combine(full, "roimg") })
        {
            if (Directory.Exists(candidate)) return candidate;
        }
        if (!Directory.Exists(full)) throw new DirectoryNotFoundException($"{directory} does not exist");
        return full;
    }

    /// <summary>Files that are part of the repository (and get precompressed siblings).</summary>
    public static bool IsRepositoryFile(string fileName) =>
        fileName == RepositoryIndex.FileName
        || StoreLayout.TryParseImageFileName(fileName, out _)
        || StoreLayout.TryParseMetaFileName(fileName, out _);
}
