using System.Globalization;
using System.Net;
using Distri.Linux;
using Distri.Packages;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;

namespace Distri.Export;

/// <summary>
/// <c>distri export</c>: Kestrel serving a repository's package directory at <c>/pkg/</c> with
/// GET/HEAD, Range, ETag/Last-Modified (ASP.NET's static file middleware), precompressed
/// <c>.zst</c>/<c>.gz</c> siblings as <c>Content-Encoding</c> when accepted, and
/// <c>/_mirror/last-sync</c>. Only plain file names directly in the package directory are
/// served: no subdirectories, no dot files, nothing a hostile URL could climb out of; and only
/// regular files, never through a symlink (<see cref="RepositoryFileProvider"/>).
/// </summary>
public sealed class RepositoryServer : IAsyncDisposable
{
    public const string LastSyncPath = "/_mirror/last-sync";
    private const string PackagePrefix = "/pkg/";
    private const string EncodingItem = "distri.content-encoding";

    private static readonly FileExtensionContentTypeProvider ContentTypes = new()
    {
        Mappings = { [".yaml"] = "application/yaml", [".squashfs"] = "application/octet-stream" },
    };

    private readonly WebApplication _app;

    private RepositoryServer(WebApplication app, string packageDirectory, Uri baseUri)
    {
        _app = app;
        PackageDirectory = packageDirectory;
        BaseUri = baseUri;
    }

    public string PackageDirectory { get; }

    /// <summary>The address clients use as the repository base (<c>--repo</c>).</summary>
    public Uri BaseUri { get; }

    public static async Task<RepositoryServer> StartAsync(string directory, IPEndPoint listen, CancellationToken cancellationToken = default)
    {
        var packageDirectory = RepositoryDirectory.ResolvePackageDirectory(directory);
        var monitor = new RepositoryMonitor(packageDirectory);
        monitor.Refresh();

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = packageDirectory });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(options =>
        {
            options.AddServerHeader = false;
            options.Listen(listen);
        });
        var app = builder.Build();

        app.Use((context, next) => Route(context, next, packageDirectory, monitor));
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = new RepositoryFileProvider(packageDirectory),
            RequestPath = PackagePrefix.TrimEnd('/'),
            ContentTypeProvider = ContentTypes,
            ServeUnknownFileTypes = true,
            DefaultContentType = "application/octet-stream",
            OnPrepareResponse = file =>
            {
                if (file.Context.Items[EncodingItem] is (string encoding, string contentType))
                {
                    file.Context.Response.Headers.ContentEncoding = encoding;
                    file.Context.Response.ContentType = contentType;
                }
            },
        });
        app.Run(context =>
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        });

        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new RepositoryServer(app, packageDirectory, new Uri(address.TrimEnd('/') + "/"));
    }

    private static Task Route(HttpContext context, RequestDelegate next, string packageDirectory, RepositoryMonitor monitor)
    {
        var request = context.Request;
        if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method))
        {
            context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            context.Response.Headers.Allow = "GET, HEAD";
            return Task.CompletedTask;
        }
        var path = request.Path.Value ?? "";
        if (path == LastSyncPath)
        {
            monitor.Refresh();
            context.Response.ContentType = "text/plain";
            context.Response.Headers.CacheControl = "no-cache";
            return context.Response.WriteAsync(monitor.LastSync.ToString(CultureInfo.InvariantCulture) + "\n");
        }
        if (!path.StartsWith(PackagePrefix, StringComparison.Ordinal) || !IsPlainFileName(path[PackagePrefix.Length..]))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        }
        var fileName = path[PackagePrefix.Length..];
        if (fileName == Packages.RepositoryIndex.FileName) monitor.Refresh();

        var original = Path.Combine(packageDirectory, fileName);
        if (RepositoryDirectory.IsRepositoryFile(fileName) && RegularFile.TryGetStatus(original) is not null)
        {
            context.Response.Headers.Vary = HeaderNames.AcceptEncoding;
            // Ranges address the identity bytes, which is what resuming clients expect.
            if (!request.Headers.ContainsKey(HeaderNames.Range))
            {
                foreach (var (encoding, extension) in new[] { ("zstd", Precompressor.ZstdExtension), ("gzip", Precompressor.GzipExtension) })
                {
                    if (Accepts(request, encoding) && Precompressor.IsCurrent(original, original + extension))
                    {
                        ContentTypes.TryGetContentType(fileName, out var contentType);
                        context.Items[EncodingItem] = (encoding, contentType ?? "application/octet-stream");
                        request.Path = path + extension;
                        break;
                    }
                }
            }
        }
        return next(context);
    }

    /// <summary>One path segment of safe characters not starting with a dot: no traversal, no hidden or work files.</summary>
    private static bool IsPlainFileName(string name) =>
        name.Length is > 0 and <= 255
        && name[0] != '.'
        && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' or '+' or '~');

    private static bool Accepts(HttpRequest request, string encoding)
    {
        foreach (var value in request.GetTypedHeaders().AcceptEncoding)
        {
            if ((value.Value.Equals(encoding, StringComparison.OrdinalIgnoreCase) || value.Value == "*") && value.Quality is null or > 0)
            {
                return true;
            }
        }
        return false;
    }

    public Task WaitForShutdownAsync(CancellationToken cancellationToken) => _app.WaitForShutdownAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
