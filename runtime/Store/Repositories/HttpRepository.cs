using System.IO.Compression;
using System.Net;
using System.Net.Http;
using Distri.Compression;
using Distri.Packages;

namespace Distri.Store.Repositories;

/// <summary>
/// A repository served over HTTP(S), e.g. by <c>distri export</c> or any static file server.
/// Asks for <c>zstd</c> or <c>gzip</c> and decodes both itself (HttpClient's automatic
/// decompression knows no zstd).
/// </summary>
public sealed class HttpRepository : Repository
{
    private readonly HttpClient _client;
    private readonly Uri _packageUri;

    public HttpRepository(Uri baseUri, HttpClient client)
    {
        _client = client;
        Location = baseUri.ToString();
        var text = baseUri.ToString();
        _packageUri = new Uri((text.EndsWith('/') ? text : text + "/") + PackageDirectoryName + "/");
    }

    public override string Location { get; }

    /// <summary>The HttpClient installs use: one pool of keep-alive HTTP/1.1 connections, no automatic decompression, no overall timeout (large images; stalls are caught per read).</summary>
    public static HttpClient CreateClient(int maxConnectionsPerServer)
    {
        var handler = new SocketsHttpHandler
        {
            AutomaticDecompression = DecompressionMethods.None,
            MaxConnectionsPerServer = maxConnectionsPerServer,
            ConnectTimeout = TimeSpan.FromSeconds(15),
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(60),
            AllowAutoRedirect = true,
        };
        var client = new HttpClient(handler)
        {
            Timeout = Timeout.InfiniteTimeSpan,
            DefaultRequestVersion = HttpVersion.Version11,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
        };
        client.DefaultRequestHeaders.AcceptEncoding.ParseAdd("zstd, gzip");
        client.DefaultRequestHeaders.UserAgent.ParseAdd("distri/1");
        return client;
    }

    public override async Task<RepositoryIndex> ReadIndexAsync(CancellationToken cancellationToken)
    {
        await using var stream = await OpenAsync(RepositoryIndex.FileName, cancellationToken).ConfigureAwait(false);
        string text;
        try
        {
            // Bounded: a hostile server must not make us buffer an endless (or endlessly decoding) index.
            using var buffer = new MemoryStream();
            var chunk = new byte[81920];
            int read;
            while ((read = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + read > RepositoryIndex.MaxFileBytes) throw new InvalidDataException($"the index is larger than {RepositoryIndex.MaxFileBytes >> 20} MiB");
                buffer.Write(chunk, 0, read);
            }
            text = System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
        }
        catch (Exception e) when (e is IOException or HttpRequestException or InvalidDataException)
        {
            throw new StoreException($"reading {new Uri(_packageUri, RepositoryIndex.FileName)}: {e.Message}", e);
        }
        try
        {
            return Yaml.ParseIndex(text, new Uri(_packageUri, RepositoryIndex.FileName).ToString());
        }
        catch (InvalidDataException e)
        {
            throw new StoreException(e.Message, e);
        }
    }

    public override async Task<Stream> OpenAsync(string fileName, CancellationToken cancellationToken)
    {
        var uri = new Uri(_packageUri, Uri.EscapeDataString(fileName));
        HttpResponseMessage response;
        try
        {
            response = await _client.GetAsync(uri, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new StoreException($"GET {uri}: {e.Message}", e);
        }
        if (!response.IsSuccessStatusCode)
        {
            response.Dispose();
            throw new StoreException($"GET {uri}: {(int)response.StatusCode} {response.ReasonPhrase}");
        }
        var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        var encodings = response.Content.Headers.ContentEncoding;
        if (encodings.Count > 1)
        {
            response.Dispose();
            throw new StoreException($"GET {uri}: stacked Content-Encoding '{string.Join(", ", encodings)}' is not supported");
        }
        var encoding = encodings.FirstOrDefault()?.ToLowerInvariant();
        try
        {
            Stream decoded = encoding switch
            {
                null or "identity" => body,
                "zstd" => new ZstdDecompressStream(body),
                "gzip" or "x-gzip" => new GZipStream(body, CompressionMode.Decompress),
                _ => throw new StoreException($"GET {uri}: unsupported Content-Encoding '{encoding}'"),
            };
            return new ResponseStream(decoded, response);
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    /// <summary>Keeps the response alive as long as its body is read, and disposes both together.</summary>
    private sealed class ResponseStream(Stream inner, HttpResponseMessage response) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
        public override int Read(Span<byte> buffer) => inner.Read(buffer);
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);
        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => inner.ReadAsync(buffer, offset, count, cancellationToken);
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
                response.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
