using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Distri.Linux;

/// <summary>
/// The one binding of the C library, for what .NET lacks: statx with every field, xattrs and
/// readlink as raw bytes, opens that refuse symlinks and never block on a fifo, SEEK_DATA, the
/// <c>*at</c> calls and <c>openat2</c> of <see cref="ConfinedDirectory"/>, umount2, kill, execv.
/// Struct layouts are checked against the C headers by <c>LibCLayoutTests</c>. Every call that
/// fails throws an <see cref="IOException"/> naming the call and the path, or returns errno where
/// the caller decides (the <c>Try…</c> forms and <see cref="LStat"/>).
/// </summary>
public static unsafe partial class LibC
{
    public const int ENOENT = 2, ENXIO = 6, EEXIST = 17, EXDEV = 18, EISDIR = 21, ERANGE = 34, ELOOP = 40, ENODATA = 61, EOPNOTSUPP = 95;
    public const int AT_FDCWD = -100, AT_SYMLINK_NOFOLLOW = 0x100, AT_EMPTY_PATH = 0x1000;
    public const uint STATX_TYPE = 0x1, STATX_BASIC_STATS = 0x7ff;
    public const int SEEK_SET = 0, SEEK_DATA = 3;
    public const int MNT_DETACH = 2;
    public const int SIGKILL = 9, SIGTERM = 15;

    /// <summary>The file-type bits of st_mode (sys/stat.h).</summary>
    public const uint S_IFMT = 0xF000, S_IFSOCK = 0xC000, S_IFLNK = 0xA000, S_IFREG = 0x8000,
        S_IFBLK = 0x6000, S_IFDIR = 0x4000, S_IFCHR = 0x2000, S_IFIFO = 0x1000;

    public const int O_RDONLY = 0, O_WRONLY = 1, O_CREAT = 0x40, O_NOCTTY = 0x100, O_NONBLOCK = 0x800, O_CLOEXEC = 0x80000, O_PATH = 0x200000;

    private static readonly bool IsArm = RuntimeInformation.ProcessArchitecture is Architecture.Arm64 or Architecture.Arm;

    /// <summary>O_DIRECTORY and O_NOFOLLOW differ between architectures; the other flags do not.</summary>
    public static readonly int O_DIRECTORY = IsArm ? 0x4000 : 0x10000, O_NOFOLLOW = IsArm ? 0x8000 : 0x20000;

    public const ulong RESOLVE_NO_MAGICLINKS = 0x02, RESOLVE_NO_SYMLINKS = 0x04, RESOLVE_BENEATH = 0x08;

    /// <summary>"a fifo", "a directory", …: a file type (S_IF… bits) for messages.</summary>
    public static string DescribeFileType(uint mode) => (mode & S_IFMT) switch
    {
        S_IFREG => "a regular file",
        S_IFDIR => "a directory",
        S_IFLNK => "a symbolic link",
        S_IFIFO => "a fifo",
        S_IFCHR => "a character device",
        S_IFBLK => "a block device",
        S_IFSOCK => "a socket",
        var type => $"of type 0{type >> 12:o}",
    };

    /// <summary>lstat (or stat when <paramref name="followSymlink"/>); returns errno, 0 on success.</summary>
    public static int LStat(string path, out Statx result, bool followSymlink = false)
    {
        Statx st;
        var rc = statx(AT_FDCWD, path, followSymlink ? 0 : AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &st);
        result = st;
        return rc == 0 ? 0 : Marshal.GetLastPInvokeError();
    }

    /// <summary>fstat of an open handle.</summary>
    public static Statx FStat(SafeFileHandle handle, string pathForErrors)
    {
        Statx st;
        if (statx((int)handle.DangerousGetHandle(), "", AT_EMPTY_PATH, STATX_BASIC_STATS, &st) != 0) throw Error("fstat", pathForErrors);
        return st;
    }

    /// <summary>
    /// Opens a file read-only without following a symlink and without blocking on a fifo
    /// (<c>O_NOFOLLOW | O_NONBLOCK | O_NOCTTY</c>); what it opened is for the caller to check (<see cref="FStat"/>).
    /// </summary>
    /// <exception cref="FileNotFoundException">Nothing is there.</exception>
    /// <exception cref="IOException">A symlink, or not openable; the message names the path.</exception>
    public static SafeFileHandle OpenNoFollow(string path)
    {
        var fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC | O_NOFOLLOW, 0);
        if (fd >= 0) return new SafeFileHandle(fd, ownsHandle: true);
        var errno = Marshal.GetLastPInvokeError();
        if (errno == ENOENT) throw new FileNotFoundException($"{path}: no such file", path);
        throw new IOException(errno == ELOOP ? $"{path}: is a symbolic link" : $"{path}: {Marshal.GetPInvokeErrorMessage(errno)}");
    }

    /// <summary>The next offset at or after <paramref name="offset"/> holding data; -1 when only a hole follows.</summary>
    public static long SeekDataOrEnd(SafeFileHandle handle, long offset)
    {
        var r = lseek((int)handle.DangerousGetHandle(), offset, SEEK_DATA);
        if (r >= 0) return r;
        // ENXIO: no data after offset. EINVAL: the filesystem has no SEEK_DATA; treat all as data.
        return Marshal.GetLastPInvokeError() == ENXIO ? -1 : offset;
    }

    /// <summary>The raw bytes of a symlink's target.</summary>
    public static byte[] ReadLink(string path)
    {
        for (var size = 256; ; size *= 4)
        {
            var buffer = new byte[size];
            nint n;
            fixed (byte* b = buffer) n = readlink(path, b, size);
            if (n < 0) throw Error("readlink", path);
            if (n < size) return buffer[..(int)n];
            if (size > 1 << 20) throw new IOException($"readlink '{path}': target too long");
        }
    }

    /// <summary>Names of all xattrs of <paramref name="path"/> (not following a symlink), as raw bytes.</summary>
    public static List<byte[]> ListXattrs(string path)
    {
        while (true)
        {
            var size = llistxattr(path, null, 0);
            if (size < 0) throw Error("llistxattr", path);
            if (size == 0) return [];
            var buffer = new byte[size];
            fixed (byte* b = buffer) size = llistxattr(path, b, size);
            if (size < 0 && Marshal.GetLastPInvokeError() == ERANGE) continue; // grew meanwhile
            if (size < 0) throw Error("llistxattr", path);
            var names = new List<byte[]>();
            foreach (var name in buffer.AsSpan(0, (int)size).Split((byte)0))
                if (name.End.Value > name.Start.Value) names.Add(buffer[name]);
            return names;
        }
    }

    /// <summary>The value of one xattr (not following a symlink); null if it vanished meanwhile.</summary>
    public static byte[]? GetXattr(string path, byte[] name)
    {
        var z = new byte[name.Length + 1];
        name.CopyTo(z, 0);
        fixed (byte* n = z)
        {
            while (true)
            {
                var size = lgetxattr(path, n, null, 0);
                if (size < 0 && Marshal.GetLastPInvokeError() == ENODATA) return null;
                if (size < 0) throw Error("lgetxattr", path);
                var value = new byte[size];
                if (size == 0) return value;
                fixed (byte* v = value) size = lgetxattr(path, n, v, size);
                if (size < 0 && Marshal.GetLastPInvokeError() == ERANGE) continue;
                if (size < 0) throw Error("lgetxattr", path);
                return value[..(int)size];
            }
        }
    }

    /// <summary>Sets an xattr of <paramref name="path"/> itself (a symlink is not followed).</summary>
    public static void SetXattr(string path, string name, ReadOnlySpan<byte> value)
    {
        fixed (byte* v = value)
            if (lsetxattr(path, name, v, value.Length, 0) != 0) throw Error("lsetxattr " + name, path);
    }

    /// <summary>Changes the owner of <paramref name="path"/> itself (a symlink is not followed).</summary>
    public static void LChown(string path, uint uid, uint gid)
    {
        if (lchown(path, uid, gid) != 0) throw Error($"lchown {uid}:{gid}", path);
    }

    /// <summary>chmod with all twelve permission bits, setuid/setgid/sticky included.</summary>
    public static void Chmod(string path, uint mode)
    {
        if (chmod(path, mode) != 0) throw Error("chmod", path);
    }

    public static void HardLink(string existing, string newPath)
    {
        if (link(existing, newPath) != 0) throw Error("link", newPath);
    }

    public static void MakeFifo(string path, uint mode = 0b110_100_100)
    {
        if (mkfifo(path, mode) != 0) throw Error("mkfifo", path);
    }

    /// <summary>Sets atime and mtime to <paramref name="seconds"/> without following a symlink.</summary>
    public static void SetTimes(string path, long seconds)
    {
        var times = stackalloc long[4] { seconds, 0, seconds, 0 };
        if (utimensat(AT_FDCWD, path, times, AT_SYMLINK_NOFOLLOW) != 0) throw Error("utimensat", path);
    }

    /// <summary>Creates an empty file whose name is raw bytes (e.g. not valid UTF-8) in <paramref name="directory"/>.</summary>
    public static void CreateFileRaw(string directory, ReadOnlySpan<byte> name)
    {
        var path = new byte[System.Text.Encoding.UTF8.GetByteCount(directory) + 1 + name.Length + 1];
        var n = System.Text.Encoding.UTF8.GetBytes(directory, path);
        path[n++] = (byte)'/';
        name.CopyTo(path.AsSpan(n));
        fixed (byte* p = path)
        {
            var fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0b110_100_100);
            if (fd < 0) throw Error("open", directory + "/<raw name>");
            close(fd);
        }
    }

    /// <summary>umount2(2); returns errno, 0 on success.</summary>
    public static int Unmount(string target, int flags)
    {
        return umount2(target, flags) == 0 ? 0 : Marshal.GetLastPInvokeError();
    }

    /// <summary>kill(2); false when there was no such process (or no permission).</summary>
    public static bool Signal(int pid, int signal) => kill(pid, signal) == 0;

    public static uint EffectiveUserId => geteuid();

    /// <summary>Replaces this process with <paramref name="path"/> (argv NULL-terminated); returns only on failure, with errno.</summary>
    public static int Exec(string path, string?[] argv)
    {
        execv(path, argv);
        return Marshal.GetLastPInvokeError();
    }

    public static IOException Error(string call, string path) => Error(call, path, Marshal.GetLastPInvokeError());

    /// <summary>An error naming the call and the path; its <see cref="Exception.HResult"/> is the errno.</summary>
    public static IOException Error(string call, string path, int errno) =>
        new($"{call} '{path}': {Marshal.GetPInvokeErrorMessage(errno)}", errno);

    // The raw calls. Public where a caller needs a result this class does not shape (descriptors,
    // -errno answers for tests of the FUSE daemon); paths are marshalled as UTF-8.

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int open(string path, int flags, uint mode = 0);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int open(byte* path, int flags, uint mode);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int close(int fd);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int statx(int dirfd, string path, int flags, uint mask, Statx* buffer);

    [LibraryImport("libc", SetLastError = true)]
    public static partial long lseek(int fd, long offset, int whence);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint getdents64(int fd, byte* buffer, nuint count);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint readlink(string path, byte* buffer, nint size);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint readlinkat(int dirfd, string path, byte* buffer, nint size);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint llistxattr(string path, byte* list, nint size);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint lgetxattr(string path, byte* name, byte* value, nint size);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int lsetxattr(string path, string name, byte* value, nint size, int flags);

    /// <summary>listxattr(2), following symlinks as the FUSE daemon's clients do.</summary>
    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint listxattr(string path, byte* list, nuint size);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint getxattr(string path, string name, byte* value, nuint size);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int setxattr(string path, string name, byte* value, nuint size, int flags);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int lchown(string path, uint owner, uint group);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int chmod(string path, uint mode);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int link(string oldPath, string newPath);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int mkfifo(string path, uint mode);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int utimensat(int dirfd, string path, long* times, int flags);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int unlinkat(int dirfd, string path, int flags);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int symlinkat(string target, int dirfd, string path);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int mkdirat(int dirfd, string path, uint mode);

    /// <summary>openat2(2) (no glibc wrapper): resolves <paramref name="path"/> below <paramref name="dirfd"/> as <paramref name="how"/> says.</summary>
    public static int openat2(int dirfd, string path, in OpenHow how)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(path + "\0");
        fixed (byte* p = bytes)
        fixed (OpenHow* h = &how)
            return (int)syscall(SYS_openat2, dirfd, (nint)p, (nint)h, sizeof(OpenHow));
    }

    private const long SYS_openat2 = 437;

    [LibraryImport("libc", SetLastError = true)]
    private static partial long syscall(long number, int dirfd, nint path, nint how, nint size);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int umount2(string target, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int signal);

    [LibraryImport("libc")]
    private static partial uint geteuid();

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int execv(string path, [MarshalAs(UnmanagedType.LPArray, ArraySubType = UnmanagedType.LPUTF8Str)] string?[] argv);
}

/// <summary>struct statx of linux/stat.h (the same layout on every architecture, unlike struct stat).</summary>
[StructLayout(LayoutKind.Explicit, Size = 256)]
public struct Statx
{
    [FieldOffset(0)] public uint Mask;
    [FieldOffset(16)] public uint NLink;
    [FieldOffset(20)] public uint Uid;
    [FieldOffset(24)] public uint Gid;
    [FieldOffset(28)] public ushort Mode;
    [FieldOffset(32)] public ulong Ino;
    [FieldOffset(40)] public ulong Size;
    [FieldOffset(48)] public ulong Blocks;
    [FieldOffset(112)] public long MtimeSeconds;
    [FieldOffset(120)] public uint MtimeNanoseconds;
    [FieldOffset(128)] public uint RdevMajor;
    [FieldOffset(132)] public uint RdevMinor;
    [FieldOffset(136)] public uint DevMajor;
    [FieldOffset(140)] public uint DevMinor;

    /// <summary>The S_IF… bits of <see cref="Mode"/>.</summary>
    public readonly uint FileType => Mode & LibC.S_IFMT;
    public readonly bool IsDirectory => FileType == LibC.S_IFDIR;
    public readonly bool IsRegular => FileType == LibC.S_IFREG;
    public readonly bool IsSymlink => FileType == LibC.S_IFLNK;

    public readonly DateTime LastWriteTimeUtc => DateTime.UnixEpoch.AddTicks(MtimeSeconds * TimeSpan.TicksPerSecond + MtimeNanoseconds / 100);
}

/// <summary>struct open_how of linux/openat2.h.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct OpenHow
{
    public ulong Flags;
    public ulong Mode;
    public ulong Resolve;
}
