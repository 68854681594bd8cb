using Distri.Packages;
using Distri.Tasks.Diagnostics;
using Microsoft.Build.Framework;

namespace Distri.Tasks.Cache;

/// <summary>
/// Uploads the package's published image and meta to the shared build cache under its input
/// digest, image first (<see cref="BuildCache.Upload"/>), after its parts' (split parts, the debug
/// image); an entry the cache already has is left alone. Runs for packages that are up to date locally too, so a machine that has built
/// everything seeds an empty cache. A failed upload is a warning (DST4103): the build succeeded.
/// </summary>
public sealed class PushToCache : Microsoft.Build.Utilities.Task
{
    [Required] public string DefinitionFile { get; set; } = "";
    [Required] public string CacheUrl { get; set; } = "";
    [Required] public string FullName { get; set; } = "";
    [Required] public string InputDigest { get; set; } = "";
    [Required] public string RepositoryDirectory { get; set; } = "";
    public int TimeoutSeconds { get; set; } = 300;

    public override bool Execute()
    {
        using var cache = BuildCache.Create(CacheUrl, TimeSpan.FromSeconds(TimeoutSeconds), out var invalid);
        if (cache is null)
        {
            Log.LogWarning(Messages.CachePushFailed, DefinitionFile, FullName, CacheUrl, invalid);
            return true;
        }
        var full = PackageFullName.Parse(FullName);
        var metaName = BuildCache.MetaName(InputDigest);
        try
        {
            if (cache.Exists(metaName))
            {
                Log.LogMessage(MessageImportance.Normal, "{0}: already in the build cache", FullName);
                return true;
            }
            foreach (var part in Yaml.ReadMeta(Path.Combine(RepositoryDirectory, StoreLayout.MetaFileName(full))).Parts)
            {
                var parsed = PackageFullName.TryParse(part, out var p, out var error) ? p : throw new InvalidDataException($"split package {error}");
                cache.Upload(Path.Combine(RepositoryDirectory, StoreLayout.ImageFileName(parsed)), BuildCache.ImageName(InputDigest, part));
                cache.Upload(Path.Combine(RepositoryDirectory, StoreLayout.MetaFileName(parsed)), BuildCache.MetaName(InputDigest, part));
            }
            cache.Upload(Path.Combine(RepositoryDirectory, StoreLayout.ImageFileName(full)), BuildCache.ImageName(InputDigest));
            cache.Upload(Path.Combine(RepositoryDirectory, StoreLayout.MetaFileName(full)), metaName);
            Log.LogMessage(MessageImportance.High, "{0}: uploaded to the build cache as {1}", FullName, cache.Locate(metaName));
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException or InvalidDataException)
        {
            Log.LogWarning(Messages.CachePushFailed, DefinitionFile, FullName, cache.BaseUri, e.Message);
        }
        return true;
    }
}
