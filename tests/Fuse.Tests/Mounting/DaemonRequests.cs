using Distri.Fuse.Control;
using Distri.Testing;

namespace Fuse.Tests.Mounting;

/// <summary>What a daemon answers on its control socket to <c>requests</c>: the kernel requests served so far, by kind.</summary>
internal static class DaemonRequests
{
    public static Dictionary<string, long> Of(RoMount mount, string store)
    {
        var socket = FuseControl.SocketPath(store, mount.Process.Id);
        var reply = FuseControl.AskAsync(socket, "requests", TimeSpan.FromSeconds(30)).GetAwaiter().GetResult()
            ?? throw new AssertFailedException($"the daemon did not answer on {socket}");
        return reply.Split(' ').Skip(1).Select(p => p.Split('='))
            .ToDictionary(p => p[0], p => long.Parse(p[1], System.Globalization.CultureInfo.InvariantCulture));
    }
}
