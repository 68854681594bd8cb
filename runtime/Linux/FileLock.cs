namespace Distri.Linux;

/// <summary>
/// An exclusive lock on a file (an open with <see cref="FileShare.None"/>, which .NET takes as
/// <c>flock(LOCK_EX | LOCK_NB)</c> on Linux): one holder at a time across processes, and the kernel
/// releases it when the holder dies, even by kill -9. Held until the returned stream is disposed.
/// </summary>
public static class FileLock
{
    private static readonly TimeSpan RetryInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>Takes the lock, waiting while another process holds it; <paramref name="waiting"/> is told once.</summary>
    public static async Task<FileStream> AcquireAsync(string path, Action? waiting = null, CancellationToken cancellationToken = default)
    {
        var told = false;
        while (true)
        {
            if (TryAcquire(path) is { } held) return held;
            if (!told)
            {
                waiting?.Invoke();
                told = true;
            }
            await Task.Delay(RetryInterval, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Takes the lock, waiting at most <paramref name="timeout"/>.</summary>
    /// <exception cref="IOException">Another process held it all that time.</exception>
    public static FileStream Acquire(string path, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (TryAcquire(path) is { } held) return held;
            if (DateTime.UtcNow >= deadline) throw new IOException($"{path} stayed locked by another process for {timeout.TotalSeconds:0} s");
            Thread.Sleep(RetryInterval);
        }
    }

    /// <summary>The lock if it is free now, else null.</summary>
    public static FileStream? TryAcquire(string path)
    {
        try
        {
            return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e) when (e.HResult == EWOULDBLOCK)
        {
            return null;
        }
    }

    // What .NET's failed flock(LOCK_NB) leaves in HResult.
    private const int EWOULDBLOCK = 11;
}
