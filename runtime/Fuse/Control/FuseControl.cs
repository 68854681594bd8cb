using System.Net.Sockets;
using System.Text;

namespace Distri.Fuse.Control;

/// <summary>
/// How `distri install`/`gc` tell every `distri fuse` daemon serving a store to rescan it, and wait
/// until the change is visible. Each daemon listens on a Unix socket in <see cref="SocketDirectory"/>
/// named <c>&lt;pid&gt;.sock</c>. The protocol is one line each way: the client sends
/// <c>rescan</c>, the daemon answers <c>ok &lt;generation&gt;</c> once the new state is live; or
/// <c>requests</c>, answered <c>ok lookup=N forget=N …</c> (the kernel requests served so far).
/// </summary>
public static class FuseControl
{
    internal const string RescanRequest = "rescan";
    internal const string RequestsRequest = "requests";

    /// <summary>Directory holding one socket per daemon serving <paramref name="storeDirectory"/>.</summary>
    public static string SocketDirectory(string storeDirectory) => Path.Combine(storeDirectory, ".fuse");

    /// <summary>The socket a daemon with process id <paramref name="processId"/> listens on.</summary>
    public static string SocketPath(string storeDirectory, int processId) =>
        Path.Combine(SocketDirectory(storeDirectory), processId.ToString(System.Globalization.CultureInfo.InvariantCulture) + ".sock");

    /// <summary>
    /// Asks every live daemon of the store to rescan and returns when each has answered that the
    /// rescan is visible; stale sockets are removed. Returns the number of daemons told.
    /// </summary>
    /// <exception cref="TimeoutException">A daemon accepted the request but did not answer within <paramref name="timeout"/>.</exception>
    public static async Task<int> RescanAllAsync(string storeDirectory, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var directory = SocketDirectory(storeDirectory);
        if (!Directory.Exists(directory)) return 0;
        var sockets = Directory.GetFiles(directory, "*.sock");
        var told = await Task.WhenAll(sockets.Select(s => RescanOneAsync(s, timeout, cancellationToken))).ConfigureAwait(false);
        return told.Count(t => t);
    }

    private static async Task<bool> RescanOneAsync(string socketPath, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var reply = await AskAsync(socketPath, RescanRequest, timeout, cancellationToken).ConfigureAwait(false);
        return reply?.StartsWith("ok", StringComparison.Ordinal) == true;
    }

    /// <summary>
    /// Sends one request line to the daemon at <paramref name="socketPath"/> and returns its answer
    /// line; null when no daemon answers there (a stale socket of a killed one is removed).
    /// </summary>
    /// <exception cref="TimeoutException">The daemon accepted the request but did not answer within <paramref name="timeout"/>.</exception>
    internal static async Task<string?> AskAsync(string socketPath, string request, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cts.Token).ConfigureAwait(false);
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionRefused)
        {
            // Nobody listens: the daemon died without cleaning up (kill -9).
            TryDelete(socketPath);
            return null;
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.AddressNotAvailable or SocketError.NotSocket || e.ErrorCode == 2 /* ENOENT: it exited meanwhile */)
        {
            return null;
        }
        try
        {
            await socket.SendAsync(Encoding.ASCII.GetBytes(request + "\n"), SocketFlags.None, cts.Token).ConfigureAwait(false);
            var reply = new StringBuilder();
            var buffer = new byte[256];
            while (!reply.ToString().Contains('\n'))
            {
                var n = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token).ConfigureAwait(false);
                if (n == 0) return null; // it exited while we asked
                reply.Append(Encoding.ASCII.GetString(buffer, 0, n));
            }
            return reply.ToString().TrimEnd('\n');
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"distri fuse daemon at {socketPath} did not answer '{request}' within {timeout.TotalSeconds:0.#} s");
        }
        catch (SocketException)
        {
            return null;
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
