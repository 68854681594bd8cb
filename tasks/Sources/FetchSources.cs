using System.Security.Cryptography;
using Distri.Tasks.Diagnostics;
using Microsoft.Build.Framework;

namespace Distri.Tasks.Sources;

/// <summary>
/// Puts every <c>Source</c> into the cache keyed by sha256. Origins, in order: the cache, the URL
/// (http(s) with a short timeout, or file://), then Debian's source archive through
/// <c>apt-get source --download-only PKG=VERSION</c>, whose <c>.orig.tar.*</c> must match
/// <c>DebianSha256</c> (a repack) or else <c>Sha256</c>. Nothing unverified is ever kept.
/// </summary>
public sealed class FetchSources : Microsoft.Build.Utilities.Task, ICancelableTask
{
    private readonly CancellationTokenSource _cancel = new();

    [Required] public string DefinitionFile { get; set; } = "";
    [Required] public ITaskItem[] Sources { get; set; } = [];
    [Required] public string CacheDirectory { get; set; } = "";

    /// <summary>The apt-get to run for the Debian origin (tests put a fake one here).</summary>
    public string AptGet { get; set; } = "apt-get";
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
            if (TryDebian(cache, url, debianSource, debianVersion, expected, tried) is { } debianPath)
                return (debianPath, expected, $"Debian source {debianSource}={debianVersion}");
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
        var temp = cache.NewTempPath();
        try
        {
            Log.LogMessage(MessageImportance.Normal, "fetching {0}", url);
            string actual;
            if (Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.IsFile)
            {
                File.Copy(uri.LocalPath, temp);
                actual = SourceCache.HashFile(temp);
            }
            else if (uri is not null && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps))
            {
                actual = Download(uri, temp);
            }
            else
            {
                tried.Add($"{url}: not an http(s) or file URL");
                return null;
            }
            if (actual != sha256)
            {
                Log.LogError(Messages.Sha256Mismatch, DefinitionFile, "Source", url, url, url, sha256, actual);
                return null;
            }
            return cache.Commit(temp, sha256);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException or UnauthorizedAccessException)
        {
            tried.Add($"{url}: {Describe(e)}");
            return null;
        }
        finally
        {
            File.Delete(temp);
        }
    }

    private string Download(Uri uri, string temp)
    {
        using var client = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        // The timeout bounds connecting and the response headers: these machines have no internet,
        // and the fallback should start in seconds. The body then streams without a deadline.
        using var headers = CancellationTokenSource.CreateLinkedTokenSource(_cancel.Token);
        headers.CancelAfter(TimeSpan.FromSeconds(HttpTimeoutSeconds));
        using var response = client.GetAsync(uri, HttpCompletionOption.ResponseHeadersRead, headers.Token).GetAwaiter().GetResult();
        response.EnsureSuccessStatusCode();
        using var body = response.Content.ReadAsStream(_cancel.Token);
        using var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 16];
        int n;
        while ((n = body.Read(buffer)) > 0)
        {
            hash.AppendData(buffer, 0, n);
            file.Write(buffer, 0, n);
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private string? TryDebian(SourceCache cache, string url, string package, string version, string expected, List<string> tried)
    {
        var origin = $"Debian source {package}={version} (apt-get source --download-only)";
        var work = Directory.CreateDirectory(Path.Combine(cache.Directory, $".apt-{Environment.ProcessId}.{Guid.NewGuid():N}")).FullName;
        try
        {
            Log.LogMessage(MessageImportance.Normal, "fetching {0}", origin);
            var result = AptGetProcess.Run(AptGet, ["source", "--download-only", "-qq", $"{package}={version}"], work,
                TimeSpan.FromSeconds(AptTimeoutSeconds), _cancel.Token);
            // Only the orig tarball matters (its hash is checked below): a mirror that serves it but
            // not the .debian.tar.* makes apt-get fail after the orig is already here.
            var orig = Directory.EnumerateFiles(work, "*.orig.tar.*")
                .Where(f => !f.EndsWith(".asc", StringComparison.Ordinal))
                .Order(StringComparer.Ordinal).FirstOrDefault();
            if (orig is null && result.ExitCode != 0)
            {
                tried.Add($"{origin}: exit code {result.ExitCode} {AptGetProcess.Why(result)}".TrimEnd());
                return null;
            }
            if (orig is null)
            {
                tried.Add($"{origin}: no .orig.tar.* among the downloaded files");
                return null;
            }
            var actual = SourceCache.HashFile(orig);
            if (actual != expected)
            {
                Log.LogError(Messages.Sha256Mismatch, DefinitionFile, "Source", url, url, $"{origin} ({Path.GetFileName(orig)})", expected, actual);
                return null;
            }
            return cache.Commit(orig, expected);
        }
        catch (OperationCanceledException)
        {
            tried.Add(_cancel.IsCancellationRequested ? $"{origin}: cancelled" : $"{origin}: no answer in {AptTimeoutSeconds} s");
            return null;
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or IOException or UnauthorizedAccessException)
        {
            tried.Add($"{origin}: {Describe(e)}");
            return null;
        }
        finally
        {
            try { Directory.Delete(work, recursive: true); } catch (IOException) { }
        }
    }

    private static string Describe(Exception e) => e switch
    {
        TaskCanceledException => "timed out",
        HttpRequestException { InnerException: { } inner } => $"{e.Message} ({inner.Message})",
        _ => e.Message,
    };
}
