namespace Distri.Linux;

/// <summary>
/// Opens the files of repositories and stores, which whoever can write there may have made a
/// symlink (to <c>/etc/shadow</c>), a fifo (an open that never returns) or a device: only a
/// regular file is opened, never through a symlink, and the check is made on the open handle
/// (<c>O_NOFOLLOW | O_NONBLOCK</c>, then fstat), so nothing can be swapped in between.
/// </summary>
public static class RegularFile
{
    /// <summary>What a successful check saw: the file's length and modification time.</summary>
    public readonly record struct Status(long Length, DateTime LastWriteTimeUtc);

    /// <summary>Opens <paramref name="path"/> for reading if it is a regular file (not a symlink to one).</summary>
    /// <exception cref="IOException">Missing, a symlink, not a regular file, or unreadable; the message names the path.</exception>
    public static FileStream OpenRead(string path, int bufferSize = 0) => OpenRead(path, out _, bufferSize);

    /// <inheritdoc cref="OpenRead(string, int)"/>
    public static FileStream OpenRead(string path, out Status status, int bufferSize = 0)
    {
        var handle = LibC.OpenNoFollow(path);
        try
        {
            var st = LibC.FStat(handle, path);
            if (st.FileType != LibC.S_IFREG) throw new IOException($"{path}: is {LibC.DescribeFileType(st.Mode)}, not a regular file");
            status = ToStatus(st);
            return new FileStream(handle, FileAccess.Read, bufferSize);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Reads a whole regular file of at most <paramref name="maxBytes"/>, checking the size before reading.</summary>
    public static byte[] ReadAllBytes(string path, long maxBytes)
    {
        using var stream = OpenRead(path, out var status);
        if (status.Length > maxBytes) throw new IOException($"{path}: {status.Length} bytes is more than the {maxBytes} a file of this kind may have");
        var bytes = new byte[status.Length];
        stream.ReadExactly(bytes);
        // A file growing while read would be cut silently: say so instead.
        if (stream.ReadByte() >= 0) throw new IOException($"{path}: changed while being read");
        return bytes;
    }

    /// <summary>lstat of <paramref name="path"/> when it is a regular file itself; null for anything else (missing, symlink, fifo, directory).</summary>
    public static Status? TryGetStatus(string path) =>
        LibC.LStat(path, out var st) == 0 && st.FileType == LibC.S_IFREG ? ToStatus(st) : null;

    /// <summary>Whether <paramref name="path"/> is a regular file itself (not a symlink to one); a fifo or device is never opened to find out.</summary>
    public static bool Is(string path) => TryGetStatus(path) is not null;

    private static Status ToStatus(in Statx st) => new((long)st.Size, st.LastWriteTimeUtc);
}
