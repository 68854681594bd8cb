using System.Net;
using Distri.Packages;

namespace Distri.Tasks.Cache;

/// <summary>
/// The shared build cache: any HTTP server that serves GET and accepts PUT (nginx with
/// <c>dav_methods PUT MOVE</c>, a WebDAV share, an object store). An entry is two files named by the
/// input digest, <c>&lt;hex&gt;.squashfs</c> and <c>&lt;hex&gt;.meta.yaml</c>, plus two per part the
/// meta names (split parts, the debug image), <c>&lt;hex&gt;.&lt;part&gt;.squashfs</c> and
/// <c>.meta.yaml</c>; the package's meta is written last, so whoever finds it finds the rest. Uploads go to a temporary name and are moved to the
/// final one, so a reader never sees half a file.
/// </summary>
internal sealed class BuildCache(Uri baseUri, TimeSpan timeout) : IDisposable
{
    private readonly HttpClient _client = new() { Timeout = timeout };

    public Uri BaseUri { get; } = baseUri;

    /// <summary>Null (and <paramref name="error"/>) when <paramref name="url"/> is not an http(s) URL.</summary>
    public static BuildCache? Create(string url, TimeSpan timeout, out string? error)
    {
        error = null;
        if (Uri.TryCreate(url.EndsWith('/') ? url : url + "/", UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https")
            return new BuildCache(uri, timeout);
        error = "not an http(s) URL";
        return null;
    }

    /// <summary>The entry's file names: the digest without its algorithm prefix, then a part's full name, then the kind.</summary>
    public static string MetaName(string inputDigest, string? part = null) => Key(inputDigest) + (part is null ? "" : "." + part) + StoreLayout.MetaExtension;
    public static string ImageName(string inputDigest, string? part = null) => Key(inputDigest) + (part is null ? "" : "." + part) + StoreLayout.ImageExtension;

    private static string Key(string inputDigest) => inputDigest.StartsWith("sha256:", StringComparison.Ordinal) ? inputDigest[7..] : inputDigest;

    public Uri Locate(string name) => new(BaseUri, name);

    /// <summary>The file's text, or null when the cache does not have it (404). Other failures throw <see cref="HttpRequestException"/>.</summary>
    public string? GetText(string name)
    {
        using var response = _client.Send(new HttpRequestMessage(HttpMethod.Get, Locate(name)));
        if (response.StatusCode == HttpStatusCode.NotFound) return null;
        response.EnsureSuccessStatusCode();
        using var reader = new StreamReader(response.Content.ReadAsStream());
        return reader.ReadToEnd();
    }

    /// <summary>Downloads to <paramref name="path"/>; false when the cache does not have it.</summary>
    public bool Download(string name, string path)
    {
        using var response = _client.Send(new HttpRequestMessage(HttpMethod.Get, Locate(name)), HttpCompletionOption.ResponseHeadersRead);
        if (response.StatusCode == HttpStatusCode.NotFound) return false;
        response.EnsureSuccessStatusCode();
        using var file = File.Create(path);
        response.Content.ReadAsStream().CopyTo(file);
        return true;
    }

    public bool Exists(string name)
    {
        using var response = _client.Send(new HttpRequestMessage(HttpMethod.Head, Locate(name)));
        if (response.StatusCode == HttpStatusCode.NotFound) return false;
        response.EnsureSuccessStatusCode();
        return true;
    }

    /// <summary>
    /// PUT to a temporary name, then MOVE to the final one. A server that accepts PUT but not MOVE
    /// gets a PUT of the final name instead (and the temporary file deleted).
    /// </summary>
    public void Upload(string path, string name)
    {
        var temp = $".{name}.{Guid.NewGuid():N}.tmp";
        Put(path, temp);
        var move = new HttpRequestMessage(new HttpMethod("MOVE"), Locate(temp));
        move.Headers.Add("Destination", Locate(name).AbsoluteUri);
        move.Headers.Add("Overwrite", "T");
        using var moved = _client.Send(move);
        if (moved.IsSuccessStatusCode) return;
        if (moved.StatusCode is not (HttpStatusCode.MethodNotAllowed or HttpStatusCode.NotImplemented or HttpStatusCode.BadRequest or HttpStatusCode.Forbidden))
            moved.EnsureSuccessStatusCode();
        Put(path, name);
        try
        {
            using var deleted = _client.Send(new HttpRequestMessage(HttpMethod.Delete, Locate(temp)));
        }
        catch (HttpRequestException)
        {
            // A stray temporary file is harmless: nothing looks entries up by that name.
        }
    }

    private void Put(string path, string name)
    {
        using var file = File.OpenRead(path);
        using var request = new HttpRequestMessage(HttpMethod.Put, Locate(name)) { Content = new StreamContent(file) };
        request.Content.Headers.ContentLength = file.Length;
        using var response = _client.Send(request);
        response.EnsureSuccessStatusCode();
    }

    public void Dispose() => _client.Dispose();
}
