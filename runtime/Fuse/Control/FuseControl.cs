namespace Distri.Fuse.Control;

/// <summary>
/// How `distri install`/`gc` tell every `distri fuse` daemon serving a store to rescan it, and wait
/// until the change is visible. Each daemon listens on a Unix socket in <see cref="SocketDirectory"/>.
/// (Stub: the FUSE issue fills this in.)
/// </summary>
public static class FuseControl
{
    /// <summary>Directory holding one socket per daemon serving <paramref name="storeDirectory"/>.</summary>
    public static string SocketDirectory(string storeDirectory) => Path.Combine(storeDirectory, ".fuse");

    /// <summary>
    /// Asks every live daemon of the store to rescan and returns when each has answered that the
    /// rescan is visible; stale sockets are removed. Returns the number of daemons told.
    /// </summary>
    public static Task<int> RescanAllAsync(string storeDirectory, TimeSpan timeout, CancellationToken cancellationToken = default)
        => Task.FromResult(0);
}
