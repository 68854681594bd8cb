using Distri.Linux;
using Distri.Packages;
using Distri.Tasks.Diagnostics;
using Distri.Tasks.Images;
using Microsoft.Build.Framework;

namespace Distri.Tasks.Cache;

/// <summary>
/// Looks the package's input digest up in the shared build cache before anything is fetched or
/// built. On a hit the meta and image are downloaded, checked (full name, input digest, size,
/// sha256) and published locally: no source fetch, no build step. A miss builds; an unreachable
/// cache (DST4101) or an entry that is not what it claims (DST4102) is a warning, and builds too.
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
        var metaName = BuildCache.MetaName(InputDigest);
        string? temp = null;
        try
        {
            if (cache.GetText(metaName) is not { } text)
            {
                Log.LogMessage(MessageImportance.Normal, "{0}: not in the build cache ({1})", FullName, cache.Locate(metaName));
                return true;
            }
            var meta = Yaml.Deserialize<PackageMeta>(text, cache.Locate(metaName).ToString());
            if (meta.FullName != full || meta.InputDigest != InputDigest)
            {
                Log.LogWarning(Messages.CacheEntryMismatch, DefinitionFile, cache.Locate(metaName), $"it is {meta.FullName} from {meta.InputDigest}");
                return true;
            }
            Directory.CreateDirectory(RepositoryDirectory);
            temp = AtomicFile.TempPath(Path.Combine(RepositoryDirectory, StoreLayout.ImageFileName(full)));
            var imageName = BuildCache.ImageName(InputDigest);
            if (!cache.Download(imageName, temp))
            {
                Log.LogWarning(Messages.CacheEntryMismatch, DefinitionFile, cache.Locate(imageName), "the meta has no image");
                return true;
            }
            var (size, sha256) = (new FileInfo(temp).Length, LocalRepository.Sha256(temp));
            if (size != meta.ImageSize || sha256 != meta.ImageSha256)
            {
                Log.LogWarning(Messages.CacheEntryMismatch, DefinitionFile, cache.Locate(imageName),
                    $"{size} bytes with sha256 {sha256}, the meta says {meta.ImageSize} bytes with sha256 {meta.ImageSha256}");
                return true;
            }
            LocalRepository.Publish(RepositoryDirectory, meta, temp, move: true);
            temp = null;
            Restored = true;
            Log.LogMessage(MessageImportance.High, "{0}: from cache {1}", FullName, cache.Locate(imageName));
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
        {
            Log.LogWarning(Messages.CacheUnreachable, DefinitionFile, cache.BaseUri, e.Message);
        }
        catch (InvalidDataException e)
        {
            Log.LogWarning(Messages.CacheEntryMismatch, DefinitionFile, cache.Locate(metaName), e.Message);
        }
        finally
        {
            if (temp is not null) File.Delete(temp);
        }
        return !Log.HasLoggedErrors;
    }
}
