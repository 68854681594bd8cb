using System.Net;
using Distri.Packages;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Store.Tests.Fixtures;

/// <summary>
/// A plain file server over a repository's <c>pkg/</c> that can misbehave: throttle each response,
/// or declare the full Content-Length and then drop the connection after some bytes (a server
/// dying mid-transfer), or drip one byte at a time. Serves identity only, files exactly as they are
/// (a hand-made <c>index.yaml</c> stays as written).
/// </summary>
public sealed class FaultyHttpServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FaultyHttpServer(WebApplication app, Uri baseUri)
    {
        _app = app;
        BaseUri = baseUri;
    }

    public Uri BaseUri { get; }

    /// <summary>Bytes per second per response; 0 for unlimited.</summary>
    public int BytesPerSecond { get; set; }

    /// <summary>Drop the connection of files whose name contains this after <see cref="DropAfterBytes"/>.</summary>
    public string? DropFilesContaining { get; set; }

    public int DropAfterBytes { get; set; }

    /// <summary>Send images one byte at a time, this far apart (a server keeping a connection alive with a trickle).</summary>
    public TimeSpan? DripImagesEvery { get; set; }

    public static async Task<FaultyHttpServer> StartAsync(string packageDirectory)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(o => o.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        FaultyHttpServer? server = null;
        app.Run(context => server!.ServeAsync(context, packageDirectory));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server = new FaultyHttpServer(app, new Uri(address + "/"));
        return server;
    }

    private async Task ServeAsync(HttpContext context, string packageDirectory)
    {
        var path = context.Request.Path.Value ?? "";
        var name = path.StartsWith("/pkg/", StringComparison.Ordinal) ? path[5..] : "";
        var file = Path.Combine(packageDirectory, name);
        if (name.Length == 0 || name.Contains('/') || !File.Exists(file))
        {
            context.Response.StatusCode = 404;
            return;
        }
        var bytes = await File.ReadAllBytesAsync(file);
        context.Response.ContentLength = bytes.Length;
        if (DripImagesEvery is { } interval && name.EndsWith(StoreLayout.ImageExtension, StringComparison.Ordinal))
        {
            for (var sent = 0; sent < bytes.Length && !context.RequestAborted.IsCancellationRequested; sent++)
            {
                await context.Response.Body.WriteAsync(bytes.AsMemory(sent, 1));
                await context.Response.Body.FlushAsync();
                await Task.Delay(interval, CancellationToken.None);
            }
            return;
        }
        var drop = DropFilesContaining is { } part && name.Contains(part, StringComparison.Ordinal) ? DropAfterBytes : int.MaxValue;
        const int chunk = 16 * 1024;
        for (var sent = 0; sent < bytes.Length; sent += chunk)
        {
            var length = Math.Min(chunk, bytes.Length - sent);
            if (sent + length > drop)
            {
                await context.Response.Body.WriteAsync(bytes.AsMemory(sent, drop - sent));
                await context.Response.Body.FlushAsync();
                context.Abort();
                return;
            }
            await context.Response.Body.WriteAsync(bytes.AsMemory(sent, length));
            if (BytesPerSecond > 0) await Task.Delay(TimeSpan.FromSeconds((double)length / BytesPerSecond));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
