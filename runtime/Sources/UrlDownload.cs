using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

namespace Distri.Sources;

/// <summary>
/// One download of an upstream URL into a file, hashed on the way: http(s), where the deadline
/// bounds connecting and the response headers only (machines without internet must move on to the
/// next origin in seconds; a large body then streams without one), or file:// (a local copy).
/// </summary>
public static class UrlDownload
{
    /// <summary>Whether the URL is one this class fetches: http, https or file.</summary>
    public static bool IsSupported(string url, [NotNullWhen(true)] out Uri? uri)
    {
        if (Uri.TryCreate(url, UriKind.Absolute, out uri) && (uri.IsFile || uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps))
            return true;
        uri = null;
        return false;
    }

    /// <summary>Writes the URL's content to <paramref name="path"/> (which must not exist) and returns its sha256, lowercase hex.</summary>
    /// <exception cref="HttpRequestException">The server answered with an error or could not be reached.</exception>
    /// <exception cref="TaskCanceledException">No response headers within <paramref name="headerTimeout"/>.</exception>
    /// <exception cref="IOException">A local file could not be read or written.</exception>
    public static string Download(Uri uri, string path, TimeSpan headerTimeout, CancellationToken cancellationToken = default)
    {
        if (uri.IsFile)
        {
            File.Copy(uri.LocalPath, path);
            return SourceCache.HashFile(path);
        }
        using var client = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        using var headers = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        headers.CancelAfter(headerTimeout);
        using var response = client.GetAsync(uri, HttpCompletionOption.ResponseHeadersRead, headers.Token).GetAwaiter().GetResult();
        response.EnsureSuccessStatusCode();
        using var body = response.Content.ReadAsStream(cancellationToken);
        using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
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

    /// <summary>Whether <paramref name="e"/> is a failure <see cref="Download"/> reports (rather than a bug).</summary>
    public static bool IsDownloadFailure(Exception e) => e is HttpRequestException or IOException or TaskCanceledException or UnauthorizedAccessException;

    /// <summary>One line for a download failure: "timed out", or the message with its cause.</summary>
    public static string Describe(Exception e) => e switch
    {
        TaskCanceledException => "timed out",
        HttpRequestException { InnerException: { } inner } => $"{e.Message} ({inner.Message})",
        _ => e.Message,
    };
}
