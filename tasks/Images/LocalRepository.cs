using System.Security.Cryptography;
using Distri.Linux;
using Distri.Packages;

namespace Distri.Tasks.Images;

/// <summary>
/// The build's repository directory (<c>artifacts/repo/pkg/</c>) as the build writes it, for a
/// fresh build and a cache hit alike: a full name, once published, stands for one input digest.
/// </summary>
internal static class LocalRepository
{
    /// <summary>The published meta of <paramref name="full"/>; null when there is none, or an unreadable one (publishing replaces it).</summary>
    public static PackageMeta? Published(string repositoryDirectory, PackageFullName full)
    {
        var path = Path.Combine(repositoryDirectory, StoreLayout.MetaFileName(full));
        try
        {
            return File.Exists(path) ? Yaml.ReadMeta(path) : null;
        }
        catch (InvalidDataException)
        {
            return null;
        }
    }

    /// <summary>
    /// Why <paramref name="full"/> must not be published from <paramref name="inputDigest"/>: the
    /// repository holds it from other inputs. Null when it may be (absent, or the same inputs).
    /// </summary>
    public static string? Conflict(string repositoryDirectory, PackageFullName full, string inputDigest) =>
        Published(repositoryDirectory, full) is { } meta && meta.InputDigest != inputDigest ? meta.InputDigest ?? "(none recorded)" : null;

    /// <summary>Whether the published image is there with the size its meta records (a cheap check; publishing verified the hash).</summary>
    public static bool HasImage(string repositoryDirectory, PackageMeta meta)
    {
        var image = new FileInfo(Path.Combine(repositoryDirectory, StoreLayout.ImageFileName(meta.FullName)));
        return image.Exists && image.Length == meta.ImageSize;
    }

    /// <summary>Whether the package's image is there, and every part its meta names is published from the same inputs with its image.</summary>
    public static bool IsComplete(string repositoryDirectory, PackageMeta meta) =>
        HasImage(repositoryDirectory, meta) && meta.Parts.All(p => PackageFullName.TryParse(p, out var part)
            && Published(repositoryDirectory, part) is { } published && published.InputDigest == meta.InputDigest && HasImage(repositoryDirectory, published));

    public static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    /// <summary>
    /// Writes each meta, then its image, atomically (images last: a reader that sees an image also
    /// sees its meta), in the order given — a package's parts before the package, so whoever sees
    /// its meta finds its parts — then regenerates <c>index.yaml</c> once, under a lock, so packages
    /// published in parallel never lose each other's entries. <paramref name="move"/>: the image
    /// files are ours to take.
    /// </summary>
    public static IReadOnlyList<string> Publish(string repositoryDirectory, IEnumerable<(PackageMeta Meta, string ImagePath)> packages, bool move)
    {
        Directory.CreateDirectory(repositoryDirectory);
        foreach (var (meta, imagePath) in packages)
        {
            AtomicFile.WriteAllText(Path.Combine(repositoryDirectory, StoreLayout.MetaFileName(meta.FullName)), Yaml.Serialize(meta));
            var published = Path.Combine(repositoryDirectory, StoreLayout.ImageFileName(meta.FullName));
            if (move)
            {
                File.Move(imagePath, published, overwrite: true);
            }
            else
            {
                AtomicFile.Copy(imagePath, published);
            }
        }
        using (FileLock.Acquire(Path.Combine(repositoryDirectory, ".index.lock"), TimeSpan.FromMinutes(1)))
            return RepositoryIndexBuilder.Write(repositoryDirectory).Skipped;
    }
}
