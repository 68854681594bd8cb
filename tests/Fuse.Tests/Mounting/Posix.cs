using System.Runtime.InteropServices;

namespace Fuse.Tests.Mounting;

/// <summary>
/// The system calls .NET does not expose: holding a directory open (each open is one FUSE opendir),
/// reading it from an offset of our choosing (seekdir), xattrs; and a process's memory use.
/// </summary>
internal static partial class Posix
{
    private const int O_RDONLY_DIRECTORY = 0x10000; // O_RDONLY | O_DIRECTORY
    private const int SEEK_SET = 0;

    /// <summary>Opens a directory; the descriptor must be given to <see cref="Close"/>.</summary>
    public static int Open(string path)
    {
        var fd = open(path, O_RDONLY_DIRECTORY);
        return fd >= 0 ? fd : throw new IOException($"open {path}: errno {Marshal.GetLastPInvokeError()}");
    }

    public static void Close(int fd) => close(fd);

    /// <summary>One getdents64 call from <paramref name="offset"/>: the bytes returned, or -errno.</summary>
    public static long ReadFrom(int fd, long offset)
    {
        if (lseek(fd, offset, SEEK_SET) < 0) return -Marshal.GetLastPInvokeError();
        var buffer = new byte[32768];
        var n = getdents64(fd, buffer, (nuint)buffer.Length);
        return n >= 0 ? n : -Marshal.GetLastPInvokeError();
    }

    /// <summary>listxattr(2) with a buffer of <paramref name="size"/> bytes: the list's length, or -errno.</summary>
    public static long ListXattr(string path, int size)
    {
        var n = listxattr(path, new byte[size], (nuint)size);
        return n >= 0 ? n : -Marshal.GetLastPInvokeError();
    }

    /// <summary>getxattr(2) with a buffer of <paramref name="size"/> bytes: the value's length, or -errno.</summary>
    public static long GetXattr(string path, string name, int size)
    {
        var n = getxattr(path, name, new byte[size], (nuint)size);
        return n >= 0 ? n : -Marshal.GetLastPInvokeError();
    }

    public static void SetXattr(string path, string name, byte[] value)
    {
        if (setxattr(path, name, value, (nuint)value.Length, 0) != 0)
            throw new IOException($"setxattr {path} {name}: errno {Marshal.GetLastPInvokeError()}");
    }

    /// <summary>A line of /proc/&lt;pid&gt;/status in kB, e.g. VmRSS (resident now) or VmHWM (the peak).</summary>
    public static long MemoryKilobytes(int pid, string field) =>
        long.Parse(File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith(field + ":", StringComparison.Ordinal))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int open(string path, int flags);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint listxattr(string path, [Out] byte[] list, nuint size);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint getxattr(string path, string name, [Out] byte[] value, nuint size);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int setxattr(string path, string name, byte[] value, nuint size, int flags);

    [LibraryImport("libc")]
    private static partial int close(int fd);

    [LibraryImport("libc", SetLastError = true)]
    private static partial long lseek(int fd, long offset, int whence);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint getdents64(int fd, [Out] byte[] buffer, nuint count);
}
