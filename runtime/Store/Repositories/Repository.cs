using System.Net.Http;
using Distri.Packages;

namespace Distri.Store.Repositories;

/// <summary>
/// A repository: <c>&lt;base&gt;/pkg/</c> with images, metas and <c>index.yaml</c>, reached over
/// HTTP(S) or as a local path. Files are opened as streams of their decoded bytes; the caller
/// verifies size and sha256 while it reads.
/// </summary>
public abstract class Repository
{
    public const string PackageDirectoryName = "pkg";

    /// <summary>The base URL or path as the user gave it.</summary>
    public abstract string Location { get; }

    /// <summary>Reads the index (for a local path without one, builds it from the metas: it is derived data).</summary>
    public abstract Task<RepositoryIndex> ReadIndexAsync(CancellationToken cancellationToken);

    /// <summary>Opens <paramref name="fileName"/> inside <c>pkg/</c>, decoded.</summary>
    public abstract Task<Stream> OpenAsync(string fileName, CancellationToken cancellationToken);

    public override string ToString() => Location;

    /// <summary>An <c>http://</c>/<c>https://</c> URL or a path (<c>file://</c> URLs too).</summary>
    public static Repository Create(string location, HttpClient httpClient)
    {
        if (location.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || location.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            if (!Uri.TryCreate(location, UriKind.Absolute, out var uri))
            {
                throw new StoreException($"repository '{location}' is not a valid URL");
            }
            return new HttpRepository(uri, httpClient);
        }
        if (location.StartsWith("file://", StringComparison.OrdinalIgnoreCase))
        {
            return new LocalRepository(new Uri(location).LocalPath);
        }
        if (location.Contains("://", StringComparison.Ordinal))
        {
            throw new StoreException($"repository '{location}': only http://, https:// and local paths are supported");
        }
        return new LocalRepository(location);
    }
}
