using System.Runtime.InteropServices;
using Distri.Linux;

namespace Fuse.Tests.Mounting;

/// <summary>
/// What the tests ask of a mount in system calls .NET does not expose, answered the kernel's way
/// (a length or -errno): holding a directory open, reading it from an offset of our choosing
/// (seekdir), walking and stat'ing relative to a directory handle (so no path above it is looked up
/// again), xattrs with buffers of a chosen size.
/// </summary>
internal static unsafe class Posix
{
    /// <summary>Opens a directory; the descriptor must be given to <see cref="Close"/>.</summary>
    public static int Open(string path)
    {
        var fd = LibC.open(path, LibC.O_RDONLY | LibC.O_DIRECTORY | LibC.O_CLOEXEC);
        return fd >= 0 ? fd : throw LibC.Error("open", path);
    }

    public static void Close(int fd) => LibC.close(fd);

    /// <summary>One getdents64 call from <paramref name="offset"/>: the bytes returned, or -errno.</summary>
    public static long ReadFrom(int fd, long offset)
    {
        if (LibC.lseek(fd, offset, LibC.SEEK_SET) < 0) return -Marshal.GetLastPInvokeError();
        var buffer = new byte[32768];
        fixed (byte* b = buffer)
            return Answer(LibC.getdents64(fd, b, (nuint)buffer.Length));
    }

    /// <summary>Opens <paramref name="name"/> in the directory <paramref name="directoryFd"/>, not following a symlink; -errno on failure.</summary>
    public static int OpenAt(int directoryFd, string name, bool directory)
    {
        var flags = LibC.O_RDONLY | LibC.O_CLOEXEC | LibC.O_NOFOLLOW | (directory ? LibC.O_DIRECTORY : 0);
        var fd = LibC.openat2(directoryFd, name, new OpenHow { Flags = (ulong)flags, Resolve = LibC.RESOLVE_BENEATH });
        return fd >= 0 ? fd : -Marshal.GetLastPInvokeError();
    }

    /// <summary>lstat of <paramref name="name"/> in the directory <paramref name="directoryFd"/>: 0, or -errno.</summary>
    public static int StatAt(int directoryFd, string name)
    {
        Statx stat;
        return LibC.statx(directoryFd, name, LibC.AT_SYMLINK_NOFOLLOW, LibC.STATX_BASIC_STATS, &stat) == 0 ? 0 : -Marshal.GetLastPInvokeError();
    }

    /// <summary>A directory's entries from the start to the end, without "." and "..": names and d_type.</summary>
    public static List<(string Name, byte Type)> List(int fd)
    {
        if (LibC.lseek(fd, 0, LibC.SEEK_SET) < 0) throw LibC.Error("lseek", $"fd {fd}");
        var entries = new List<(string, byte)>();
        var buffer = new byte[32768];
        nint n;
        fixed (byte* b = buffer)
        {
            while ((n = LibC.getdents64(fd, b, (nuint)buffer.Length)) > 0)
            {
                // struct linux_dirent64: d_ino (8), d_off (8), d_reclen (2), d_type (1), d_name (NUL-terminated).
                for (var at = 0; at < n; at += BitConverter.ToUInt16(buffer, at + 16))
                {
                    var name = buffer.AsSpan(at + 19);
                    var text = System.Text.Encoding.UTF8.GetString(name[..name.IndexOf((byte)0)]);
                    if (text is not ("." or "..")) entries.Add((text, buffer[at + 18]));
                }
            }
        }
        if (n < 0) throw LibC.Error("getdents64", $"fd {fd}");
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
            if (StatAt(directoryFd, name) is var error and < 0) throw LibC.Error("statx", name, -error);
            if (type != DT_DIR && !(readFiles && type == DT_REG)) continue;
            var fd = OpenAt(directoryFd, name, type == DT_DIR);
            if (fd < 0) throw LibC.Error("openat2", name, -fd);
            if (type == DT_DIR)
            {
                try
                {
                    seen += WalkAt(fd, readFiles);
                }
                finally
                {
                    LibC.close(fd);
                }
            }
            else
            {
                using var file = new FileStream(new Microsoft.Win32.SafeHandles.SafeFileHandle(fd, ownsHandle: true), FileAccess.Read, bufferSize: 0);
                file.CopyTo(Stream.Null);
            }
        }
        return seen;
    }

    /// <summary>listxattr(2) with a buffer of <paramref name="size"/> bytes: the list's length, or -errno.</summary>
    public static long ListXattr(string path, int size)
    {
        fixed (byte* b = new byte[size])
            return Answer(LibC.listxattr(path, b, (nuint)size));
    }

    /// <summary>getxattr(2) with a buffer of <paramref name="size"/> bytes: the value's length, or -errno.</summary>
    public static long GetXattr(string path, string name, int size)
    {
        fixed (byte* b = new byte[size])
            return Answer(LibC.getxattr(path, name, b, (nuint)size));
    }

    public static void SetXattr(string path, string name, byte[] value)
    {
        fixed (byte* v = value)
            if (LibC.setxattr(path, name, v, (nuint)value.Length, 0) != 0) throw LibC.Error("setxattr " + name, path);
    }

    private static long Answer(nint n) => n >= 0 ? n : -Marshal.GetLastPInvokeError();
}
