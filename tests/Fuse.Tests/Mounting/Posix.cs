using System.Runtime.InteropServices;
using Distri.Linux;

namespace Fuse.Tests.Mounting;

/// <summary>
/// What the tests ask of a mount in system calls .NET does not expose, answered the kernel's way
/// (a length or -errno): holding a directory open (each open is one FUSE opendir), reading it from
/// an offset of our choosing (seekdir), xattrs with buffers of a chosen size.
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
