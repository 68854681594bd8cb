using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Distri.Testing;

/// <summary>
/// Debian's nginx serving a directory on a loopback port: configuration, pid file and logs in a
/// temp directory, <c>daemon off</c> so the test owns the process and stops it on dispose. With
/// <c>acceptUploads</c> it also takes WebDAV PUT and MOVE (a build cache's server).
/// </summary>
public sealed class Nginx : IAsyncDisposable
{
    private readonly Process _process;

    private Nginx(Process process, string baseUri, string accessLog)
    {
        _process = process;
        BaseUri = baseUri;
        AccessLog = accessLog;
    }

    public string BaseUri { get; }
    public string AccessLog { get; }

    public static async Task<Nginx> StartAsync(string nginx, string root, string workDirectory, bool acceptUploads = false)
    {
        var uploads = acceptUploads ? "dav_methods PUT MOVE; create_full_put_path on; client_max_body_size 0;" : "";
        var port = FreePort();
        var accessLog = Path.Combine(workDirectory, "access.log");
        var config = Path.Combine(workDirectory, "nginx.conf");
        File.WriteAllText(config, $$"""
            daemon off;
            master_process off;
            worker_processes 1;
            pid {{workDirectory}}/nginx.pid;
            error_log {{workDirectory}}/error.log;
            events { worker_connections 64; }
            http {
                log_format combined_encoding '$request $status $http_accept_encoding $sent_http_content_encoding';
                access_log {{accessLog}} combined_encoding;
                client_body_temp_path {{workDirectory}}/body;
                proxy_temp_path {{workDirectory}}/proxy;
                fastcgi_temp_path {{workDirectory}}/fastcgi;
                uwsgi_temp_path {{workDirectory}}/uwsgi;
                scgi_temp_path {{workDirectory}}/scgi;
                server {
                    listen 127.0.0.1:{{port}};
                    root {{root}};
                    gzip_static on;
                    default_type application/octet-stream;
                    {{uploads}}
                }
            }
            """);
        var info = new ProcessStartInfo(nginx) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in new[] { "-c", config, "-p", workDirectory, "-e", Path.Combine(workDirectory, "error.log") }) info.ArgumentList.Add(a);
        var process = Process.Start(info)!;
        var server = new Nginx(process, $"http://127.0.0.1:{port}/", accessLog);
        for (var attempt = 0; attempt < 100; attempt++)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"nginx exited {process.ExitCode}: {await process.StandardError.ReadToEndAsync()} {File.ReadAllText(Path.Combine(workDirectory, "error.log"))}");
            }
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return server;
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }
        await server.DisposeAsync();
        throw new TimeoutException("nginx did not start listening");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
