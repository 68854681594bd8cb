using System.Runtime.InteropServices;

namespace Fuse.Tests.Mounting;

/// <summary>
/// The system calls .NET does not expose: holding a directory open, reading it from an offset of
/// our choosing (seekdir), walking and stat'ing relative to a directory handle (so no path above it
/// is looked up again), xattrs; and a process's memory use.
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

    /// <summary>Opens <paramref name="name"/> in the directory <paramref name="directoryFd"/>, not following a final symlink; -errno on failure.</summary>
    public static int OpenAt(int directoryFd, string name, bool directory)
    {
        const int O_NOFOLLOW = 0x20000;
        var fd = openat(directoryFd, name, (directory ? O_RDONLY_DIRECTORY : 0) | O_NOFOLLOW);
        return fd >= 0 ? fd : -Marshal.GetLastPInvokeError();
    }

    /// <summary>lstat of <paramref name="name"/> in the directory <paramref name="directoryFd"/>: 0, or -errno.</summary>
    public static int StatAt(int directoryFd, string name)
    {
        const int AT_SYMLINK_NOFOLLOW = 0x100;
        var stat = new byte[256]; // struct stat is 144 bytes on x86_64
        return fstatat(directoryFd, name, stat, AT_SYMLINK_NOFOLLOW) == 0 ? 0 : -Marshal.GetLastPInvokeError();
    }

    /// <summary>A directory's entries from the start to the end, without "." and "..": names and d_type.</summary>
    public static List<(string Name, byte Type)> List(int fd)
    {
        if (lseek(fd, 0, SEEK_SET) < 0) throw new IOException($"lseek: errno {Marshal.GetLastPInvokeError()}");
        var entries = new List<(string, byte)>();
        var buffer = new byte[32768];
        nint n;
        while ((n = getdents64(fd, buffer, (nuint)buffer.Length)) > 0)
        {
            // struct linux_dirent64: d_ino (8), d_off (8), d_reclen (2), d_type (1), d_name (NUL-terminated).
            for (var at = 0; at < n; at += BitConverter.ToUInt16(buffer, at + 16))
            {
                var name = buffer.AsSpan(at + 19);
                var text = System.Text.Encoding.UTF8.GetString(name[..name.IndexOf((byte)0)]);
                if (text is not ("." or "..")) entries.Add((text, buffer[at + 18]));
            }
        }
        if (n < 0) throw new IOException($"getdents64: errno {Marshal.GetLastPInvokeError()}");
        return entries;
    }

    /// <summary>
    /// Lists every directory below <paramref name="directoryFd"/>, lstat's every entry and, with
    /// <paramref name="readFiles"/>, opens and reads every regular file; returns the entries seen.
    /// </summary>
    public static int WalkAt(int directoryFd, bool readFiles = false)
    {
        const byte DT_DIR = 4, DT_REG = 8;
        var seen = 0;
        foreach (var (name, type) in List(directoryFd))
        {
            seen++;
            if (StatAt(directoryFd, name) is var error and < 0) throw new IOException($"lstat {name}: errno {-error}");
            if (type == DT_DIR || (readFiles && type == DT_REG))
            {
                var fd = OpenAt(directoryFd, name, type == DT_DIR);
                if (fd < 0) throw new IOException($"open {name}: errno {-fd}");
                try
                {
                    if (type == DT_DIR) seen += WalkAt(fd, readFiles);
                    else while (read(fd, new byte[4096], 4096) > 0) { }
                }
                finally
                {
                    close(fd);
                }
            }
        }
        return seen;
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

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int openat(int directoryFd, string path, int flags);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int fstatat(int directoryFd, string path, [Out] byte[] stat, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint read(int fd, [Out] byte[] buffer, nuint count);

    [LibraryImport("libc", SetLastError = true)]
    private static partial long lseek(int fd, long offset, int whence);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint getdents64(int fd, [Out] byte[] buffer, nuint count);
}
