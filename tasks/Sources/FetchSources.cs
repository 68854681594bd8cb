using Distri.Sources;
using Distri.Tasks.Diagnostics;
using Microsoft.Build.Framework;

namespace Distri.Tasks.Sources;

/// <summary>
/// Puts every <c>Source</c> into the cache keyed by sha256. Origins, in order: the cache, the URL
/// (http(s) with a short timeout, or file://), then Debian's source archive through
/// <c>apt-get source --download-only PKG=VERSION</c>, whose <c>.orig.tar.*</c> must match
/// <c>DebianSha256</c> (a repack) or else <c>Sha256</c>. When the pinned Debian version is no
/// longer served (a point release replaced it), another served version of the same source whose
/// upstream tarball carries a declared hash is used instead, with a warning naming it.
/// Nothing unverified is ever kept.
/// </summary>
public sealed class FetchSources : Microsoft.Build.Utilities.Task, ICancelableTask
{
    private readonly CancellationTokenSource _cancel = new();

    [Required] public string DefinitionFile { get; set; } = "";
    [Required] public ITaskItem[] Sources { get; set; } = [];
    [Required] public string CacheDirectory { get; set; } = "";

    /// <summary>The apt-get and apt-cache to run for the Debian origin (tests put their own here).</summary>
    public string AptGet { get; set; } = "apt-get";
    public string AptCache { get; set; } = "apt-cache";
    public int HttpTimeoutSeconds { get; set; } = 5;
    public int AptTimeoutSeconds { get; set; } = 300;

    /// <summary>The cached files, in <c>Sources</c> order, with metadata Url, Sha256 and Origin.</summary>
    [Output] public ITaskItem[] Fetched { get; set; } = [];

    /// <summary>The first source (the tree to build) and the hash it was verified against.</summary>
    [Output] public string PrimarySource { get; set; } = "";
    [Output] public string PrimarySha256 { get; set; } = "";

    public void Cancel() => _cancel.Cancel();

    public override bool Execute()
    {
        var cache = new SourceCache(CacheDirectory);
        var fetched = new List<ITaskItem>();
        foreach (var source in Sources)
        {
            var result = Fetch(cache, source);
            if (result is null) continue;
            var item = new Microsoft.Build.Utilities.TaskItem(result.Value.Path);
            item.SetMetadata("Url", source.ItemSpec);
            item.SetMetadata("Sha256", result.Value.Sha256);
            item.SetMetadata("Origin", result.Value.Origin);
            fetched.Add(item);
        }
        Fetched = [.. fetched];
        if (fetched.Count > 0 && !Log.HasLoggedErrors)
        {
            PrimarySource = fetched[0].ItemSpec;
            PrimarySha256 = fetched[0].GetMetadata("Sha256");
        }
        return !Log.HasLoggedErrors;
    }

    private (string Path, string Sha256, string Origin)? Fetch(SourceCache cache, ITaskItem source)
    {
        var url = source.ItemSpec;
        var sha256 = source.Meta("Sha256")!.ToLowerInvariant();
        var debianSha256 = source.Meta("DebianSha256")?.ToLowerInvariant();
        var debianSource = source.Meta("DebianSource");
        var debianVersion = source.Meta("DebianVersion");

        // A repacked Debian tarball is a different source with its own hash: either satisfies the package.
        foreach (var hash in new[] { sha256, debianSha256 })
        {
            if (hash is not null && cache.TryGet(hash) is { } cached)
                return (cached, hash, "cache");
        }

        var tried = new List<string>();
        if (TryUrl(cache, url, sha256, tried) is { } path)
            return (path, sha256, url);
        if (debianSource is not null && debianVersion is not null)
        {
            var expected = debianSha256 ?? sha256;
            if (TryDebian(cache, url, debianSource, debianVersion, [expected], tried, pinned: true) is { } debianPath)
                return (debianPath, expected, $"Debian source {debianSource}={debianVersion}");
            if (!Log.HasLoggedErrors && TryOtherDebianVersions(cache, source, debianSource, debianVersion, [.. new[] { debianSha256, sha256 }.OfType<string>()], tried) is { } other)
                return other;
        }
        else
        {
            tried.Add("Debian source archive: not declared (add DebianSource and DebianVersion to the Source)");
        }
        if (!Log.HasLoggedErrors)
            Log.LogError(Messages.SourceUnavailable, DefinitionFile, "Source", url, url, sha256, string.Concat(tried.Select(t => "\n  - " + t)));
        return null;
    }

    private string? TryUrl(SourceCache cache, string url, string sha256, List<string> tried)
    {
        if (!UrlDownload.IsSupported(url, out var uri))
        {
            tried.Add($"{url}: not an http(s) or file URL");
            return null;
        }
        var temp = cache.NewTempPath();
        try
        {
            Log.LogMessage(MessageImportance.Normal, "fetching {0}", url);
            var actual = UrlDownload.Download(uri, temp, TimeSpan.FromSeconds(HttpTimeoutSeconds), _cancel.Token);
            if (actual != sha256)
            {
                Log.LogError(Messages.Sha256Mismatch, DefinitionFile, "Source", url, url, url, sha256, actual);
                return null;
            }
            return cache.Commit(temp, sha256);
        }
        catch (Exception e) when (UrlDownload.IsDownloadFailure(e))
        {
            tried.Add($"{url}: {UrlDownload.Describe(e)}");
            return null;
        }
        finally
        {
            File.Delete(temp);
        }
    }

    /// <summary>
    /// The pinned version is not to be had: the versions the archive lists whose upstream tarball
    /// carries one of the declared hashes (a Debian revision or point release over the same
    /// tarball), newest first; the first that downloads is used, with warning DST2006 naming it.
    /// </summary>
    private (string Path, string Sha256, string Origin)? TryOtherDebianVersions(SourceCache cache, ITaskItem source, string package, string pinned, string[] hashes, List<string> tried)
    {
        IReadOnlyList<ServedSource> served;
        try
        {
            served = Archive.Served(package, _cancel.Token);
        }
        catch (DebianSourceException e)
        {
            tried.Add($"other served versions of Debian source {package}: {e.Message}");
            return null;
        }
        catch (OperationCanceledException)
        {
            tried.Add($"other served versions of Debian source {package}: cancelled");
            return null;
        }
        var candidates = served.Where(s => s.Version != pinned && s.OrigSha256 is { } h && hashes.Contains(h)).ToList();
        if (candidates.Count == 0)
        {
            tried.Add($"other served versions of Debian source {package} ({(served.Count == 0 ? "none" : string.Join(", ", served.Select(s => s.Version)))}): none has an upstream tarball with the declared sha256");
            return null;
        }
        foreach (var candidate in candidates)
        {
            var hash = candidate.OrigSha256!;
            if (TryDebian(cache, source.ItemSpec, package, candidate.Version, [hash], tried, pinned: false) is not { } path) continue;
            Log.LogWarning(Messages.DebianVersionReplaced, DefinitionFile, "Source", source.ItemSpec, package, pinned, candidate.Version, hash);
            return (path, hash, $"Debian source {package}={candidate.Version}");
        }
        return null;
    }

    private DebianSourceArchive Archive => new(AptGet, AptCache) { Timeout = TimeSpan.FromSeconds(AptTimeoutSeconds) };

    /// <summary>
    /// One <c>apt-get source</c>: its upstream tarball must carry one of <paramref name="expected"/>. A
    /// mismatch is DST2002 for the pinned version (the definition is wrong, or the archive is); for a
    /// fallback candidate it only joins <paramref name="tried"/>.
    /// </summary>
    private string? TryDebian(SourceCache cache, string url, string package, string version, string[] expected, List<string> tried, bool pinned)
    {
        var origin = $"Debian source {package}={version} (apt-get source --download-only)";
        var work = Directory.CreateDirectory(Path.Combine(cache.Directory, $".apt-{Environment.ProcessId}.{Guid.NewGuid():N}")).FullName;
        try
        {
            Log.LogMessage(MessageImportance.Normal, "fetching {0}", origin);
            var downloaded = Archive.Download(package, version, work, _cancel.Token);
            if (downloaded.OrigTarball is not { } orig)
            {
                tried.Add($"{origin}: no .orig.tar.* among the downloaded files");
                return null;
            }
            var actual = SourceCache.HashFile(orig);
            if (!expected.Contains(actual))
            {
                if (pinned) Log.LogError(Messages.Sha256Mismatch, DefinitionFile, "Source", url, url, $"{origin} ({Path.GetFileName(orig)})", expected[0], actual);
                else tried.Add($"{origin}: its {Path.GetFileName(orig)} has sha256 {actual}, not the declared one");
                return null;
            }
            return cache.Commit(orig, actual);
        }
        catch (OperationCanceledException)
        {
            tried.Add($"{origin}: cancelled");
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            tried.Add(e is DebianSourceException ? e.Message : $"{origin}: {e.Message}");
            return null;
        }
        finally
        {
            try { Directory.Delete(work, recursive: true); } catch (IOException) { }
        }
    }
}
