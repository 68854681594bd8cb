using System.Net.Sockets;
using System.Text;
using System.Text.Json;

using System.Text.Json.Serialization;

namespace Distri.Sandbox;

/// <summary>One build's view as the view daemon serves it: the closure's packages of a store, and the build's own directory, mounted at <see cref="MountPoint"/>.</summary>
/// <param name="Owner">The process whose life the view lasts at most (<see cref="Distri.Linux.ProcessIdentity"/> text): a build cancelled before it unregistered leaves nothing served for ever.</param>
public sealed record ViewRegistration(string MountPoint, string Store, IReadOnlyList<string> Packages, string Self, string Owner);

/// <summary>
/// How builds talk to the view daemon (<c>distri fuse --views DIR</c>): the files in its directory
/// and one request line each way over the Unix socket there. Requests: <c>ping</c> (answered
/// <c>ok PID</c>), <c>register JSON</c> (a <see cref="ViewRegistration"/>; answered <c>ok</c> once
/// the view is mounted), <c>unregister MOUNTPOINT</c>, <c>views</c> (<c>ok</c> and the mount points,
/// tab-separated). Failures are answered <c>error MESSAGE</c>; a daemon on its way out answers
/// <c>error exiting</c> and the client starts a new one.
/// </summary>
public static class ViewProtocol
{
    public const string Ping = "ping", Register = "register", Unregister = "unregister", List = "views";
    public const string Exiting = "exiting";

    /// <summary>The daemon's socket.</summary>
    public static string SocketPath(string directory) => Path.Combine(directory, "control.sock");

    /// <summary>Held (flock) by the live daemon for its whole life: free means no daemon, whatever files are left.</summary>
    public static string LifeLock(string directory) => Path.Combine(directory, "daemon.lock");

    /// <summary>Held by the one client that starts or replaces the daemon, so parallel builds start one.</summary>
    public static string StartLock(string directory) => Path.Combine(directory, "start.lock");

    public static string PidFile(string directory) => Path.Combine(directory, "daemon.pid");

    /// <summary>The mount points the daemon serves, one a line: what its replacement detaches if it died.</summary>
    public static string ViewsFile(string directory) => Path.Combine(directory, "views");

    public static string LogFile(string directory) => Path.Combine(directory, "daemon.log");

    /// <summary>The daemon's directory, for its user only: whoever can reach the socket can mount views as that user.</summary>
    public static void CreateDirectory(string directory)
    {
        Directory.CreateDirectory(directory);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    /// <summary>A registration as its request carries it.</summary>
    public static string Serialize(ViewRegistration registration) => JsonSerializer.Serialize(registration, ViewJson.Default.ViewRegistration);

    /// <exception cref="JsonException">Not a registration.</exception>
    public static ViewRegistration? Deserialize(string json) => JsonSerializer.Deserialize(json, ViewJson.Default.ViewRegistration);

    /// <summary>
    /// Sends one request line and returns the answer line; null when no daemon answers there
    /// (no socket, nobody listening, or the connection closed without an answer).
    /// </summary>
    /// <exception cref="TimeoutException">Something accepted the request but did not answer in time (a hung daemon).</exception>
    public static string? Ask(string directory, string request, TimeSpan timeout)
    {
        if (request.Contains('\n')) throw new ArgumentException("a request is one line", nameof(request));
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        var milliseconds = (int)Math.Clamp(timeout.TotalMilliseconds, 1, int.MaxValue);
        socket.SendTimeout = milliseconds;
        socket.ReceiveTimeout = milliseconds;
        try
        {
            socket.Connect(new UnixDomainSocketEndPoint(SocketPath(directory)));
        }
        catch (SocketException)
        {
            return null; // no socket file, or a dead daemon's (ECONNREFUSED)
        }
        try
        {
            socket.Send(Encoding.UTF8.GetBytes(request + "\n"));
            var reply = new List<byte>();
            var buffer = new byte[4096];
            while (!reply.Contains((byte)'\n'))
            {
                var n = socket.Receive(buffer);
                if (n == 0) return null;
                reply.AddRange(buffer.AsSpan(0, n));
            }
            return Encoding.UTF8.GetString([.. reply]).TrimEnd('\n');
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.TimedOut or SocketError.WouldBlock)
        {
            throw new TimeoutException($"the view daemon in {directory} did not answer '{request.Split(' ')[0]}' within {timeout.TotalSeconds:0.#} s");
        }
        catch (SocketException)
        {
            return null;
        }
    }
}

/// <summary>
/// Generated (de)serialization: each build's registration is made in a fresh task host and read
/// by a daemon that may have just started, where reflection-based JSON would first warm up.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(ViewRegistration))]
internal sealed partial class ViewJson : JsonSerializerContext;
