using Distri.Linux;
using Distri.Packages;
using Distri.Tasks.Diagnostics;
using Distri.Tasks.Images;
using Microsoft.Build.Framework;

namespace Distri.Tasks.Cache;

/// <summary>
/// Looks the package's input digest up in the shared build cache before anything is fetched or
/// built. On a hit the meta and image, and those of every part the meta names (split parts, the
/// debug image), are downloaded, checked (full name, input digest, size, sha256) and published
/// locally: no source fetch, no build step. A miss builds; an unreachable cache (DST4101) or an
/// entry that is not what it claims, or lacks a part (DST4102), is a warning, and builds too.
/// </summary>
public sealed class RestoreFromCache : Microsoft.Build.Utilities.Task
{
    [Required] public string DefinitionFile { get; set; } = "";
    [Required] public string CacheUrl { get; set; } = "";
    [Required] public string FullName { get; set; } = "";
    [Required] public string InputDigest { get; set; } = "";
    [Required] public string RepositoryDirectory { get; set; } = "";
    public int TimeoutSeconds { get; set; } = 60;

    [Output] public bool Restored { get; set; }

    public override bool Execute()
    {
        using var cache = BuildCache.Create(CacheUrl, TimeSpan.FromSeconds(TimeoutSeconds), out var invalid);
        if (cache is null)
        {
            Log.LogWarning(Messages.CacheUnreachable, DefinitionFile, CacheUrl, invalid);
            return true;
        }
        var full = PackageFullName.Parse(FullName);
        var downloaded = new List<(PackageMeta Meta, string ImagePath)>();
        try
        {
            if (Download(cache, full, null, downloaded) is not { } meta) return true;
            foreach (var part in meta.Parts)
            {
                if (!PackageFullName.TryParse(part, out var parsed, out var error))
                    throw new InvalidDataException($"{cache.Locate(BuildCache.MetaName(InputDigest))}: part {error}");
                if (Download(cache, parsed, part, downloaded) is null) return true;
            }
            // The package's own meta last: whoever sees it finds its parts.
            downloaded.Reverse();
            LocalRepository.Publish(RepositoryDirectory, downloaded, move: true);
            downloaded.Clear();
            Restored = true;
            Log.LogMessage(MessageImportance.High, "{0}: from cache {1}", FullName, cache.Locate(BuildCache.ImageName(InputDigest)));
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
        {
            Log.LogWarning(Messages.CacheUnreachable, DefinitionFile, cache.BaseUri, e.Message);
        }
        catch (InvalidDataException e)
        {
            Log.LogWarning(Messages.CacheEntryMismatch, DefinitionFile, cache.Locate(BuildCache.MetaName(InputDigest)), e.Message);
        }
        finally
        {
            foreach (var (_, temp) in downloaded) File.Delete(temp);
        }
        return !Log.HasLoggedErrors;
    }

    /// <summary>
    /// One image of the entry (<paramref name="part"/> null: the package's own) into a temp file of
    /// the repository, checked against its meta; null after a warning when it is not what it claims.
    /// </summary>
    private PackageMeta? Download(BuildCache cache, PackageFullName expected, string? part, List<(PackageMeta, string)> downloaded)
    {
        var metaName = BuildCache.MetaName(InputDigest, part);
        if (cache.GetText(metaName) is not { } text)
        {
            if (part is null) Log.LogMessage(MessageImportance.Normal, "{0}: not in the build cache ({1})", FullName, cache.Locate(metaName));
            else Log.LogWarning(Messages.CacheEntryMismatch, DefinitionFile, cache.Locate(BuildCache.MetaName(InputDigest)), $"its part {part} is missing");
            return null;
        }
        var meta = Yaml.Deserialize<PackageMeta>(text, cache.Locate(metaName).ToString());
        if (meta.FullName != expected || meta.InputDigest != InputDigest)
        {
            Log.LogWarning(Messages.CacheEntryMismatch, DefinitionFile, cache.Locate(metaName), $"it is {meta.FullName} from {meta.InputDigest}");
            return null;
        }
        Directory.CreateDirectory(RepositoryDirectory);
        var temp = AtomicFile.TempPath(Path.Combine(RepositoryDirectory, StoreLayout.ImageFileName(expected)));
        var imageName = BuildCache.ImageName(InputDigest, part);
        downloaded.Add((meta, temp));
        if (!cache.Download(imageName, temp))
        {
            Log.LogWarning(Messages.CacheEntryMismatch, DefinitionFile, cache.Locate(imageName), "the meta has no image");
            return null;
        }
        var (size, sha256) = (new FileInfo(temp).Length, LocalRepository.Sha256(temp));
        if (size != meta.ImageSize || sha256 != meta.ImageSha256)
        {
            Log.LogWarning(Messages.CacheEntryMismatch, DefinitionFile, cache.Locate(imageName),
                $"{size} bytes with sha256 {sha256}, the meta says {meta.ImageSize} bytes with sha256 {meta.ImageSha256}");
            return null;
        }
        return meta;
    }
}
