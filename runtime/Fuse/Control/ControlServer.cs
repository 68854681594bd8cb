using System.Net.Sockets;
using System.Text;

namespace Distri.Fuse.Control;

/// <summary>
/// The daemon's end of <see cref="FuseControl"/>: listens on <c>&lt;store&gt;/.fuse/&lt;pid&gt;.sock</c>
/// and answers each <c>rescan</c> line after the rescan is live, each <c>requests</c> line with the
/// requests served so far.
/// </summary>
internal sealed class ControlServer : IDisposable
{
    private readonly Socket _listener;
    private readonly Func<long> _rescan;
    private readonly Func<string> _requests;
    private readonly Action<string> _log;
    private readonly CancellationTokenSource _stop = new();

    private ControlServer(Socket listener, string path, Func<long> rescan, Func<string> requests, Action<string> log)
    {
        _listener = listener;
        SocketPath = path;
        _rescan = rescan;
        _requests = requests;
        _log = log;
    }

    public string SocketPath { get; }

    /// <summary>Starts listening; null (logged) when the store is read-only or the socket cannot be made.</summary>
    public static ControlServer? TryStart(string storeDirectory, Func<long> rescan, Func<string> requests, Action<string> log)
    {
        var path = FuseControl.SocketPath(storeDirectory, Environment.ProcessId);
        try
        {
            Directory.CreateDirectory(FuseControl.SocketDirectory(storeDirectory));
            File.Delete(path); // a leftover of an earlier process with our pid
            var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            listener.Bind(new UnixDomainSocketEndPoint(path));
            listener.Listen(16);
            var server = new ControlServer(listener, path, rescan, requests, log);
            _ = Task.Run(server.AcceptLoopAsync);
            return server;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or SocketException)
        {
            log($"no control socket at {path} (rescans only on store changes): {e.Message}");
            return null;
        }
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(Socket client)
    {
        using (client)
        {
            try
            {
                var buffer = new byte[256];
                var line = new StringBuilder();
                while (!line.ToString().Contains('\n') && line.Length < 256)
                {
                    var n = await client.ReceiveAsync(buffer, SocketFlags.None, _stop.Token).ConfigureAwait(false);
                    if (n == 0) break;
                    line.Append(Encoding.ASCII.GetString(buffer, 0, n));
                }
                var reply = line.ToString().Trim() switch
                {
                    FuseControl.RescanRequest => $"ok {_rescan()}\n",
                    FuseControl.RequestsRequest => $"ok {_requests()}\n",
                    _ => "error unknown request\n",
                };
                await client.SendAsync(Encoding.ASCII.GetBytes(reply), SocketFlags.None, _stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                _log($"control request failed: {e.Message}");
            }
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Dispose();
        try
        {
            File.Delete(SocketPath);
        }
        catch (IOException)
        {
        }
    }
}
