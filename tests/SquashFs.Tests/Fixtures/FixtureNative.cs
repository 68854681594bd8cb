using System.Runtime.InteropServices;
using System.Text;

namespace SquashFs.Tests.Fixtures;

/// <summary>
/// The few libc calls the fixtures need and .NET lacks (lstat fields, xattrs, hard links, fifos,
/// lchown, lutimes). Kept separate from the writer's own binding so the tests do not check the
/// writer with its own code.
/// </summary>
internal static unsafe partial class FixtureNative
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxBasicStats = 0x7ff;

    /// <summary>struct statx from linux/stat.h (same layout on every architecture).</summary>
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

        public readonly uint FileType => Mode & 0xF000u;
        public readonly bool IsDirectory => FileType == 0x4000;
        public readonly bool IsRegular => FileType == 0x8000;
        public readonly bool IsSymlink => FileType == 0xA000;
    }

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int statx(int dirfd, string path, int flags, uint mask, out Statx buffer);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint llistxattr(string path, byte* list, nint size);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint lgetxattr(string path, string name, byte* value, nint size);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int lsetxattr(string path, string name, byte* value, nint size, int flags);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int link(string oldPath, string newPath);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int mkfifo(string path, uint mode);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int lchown(string path, uint owner, uint group);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int chmod(string path, uint mode);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int utimensat(int dirfd, string path, long* times, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int open(byte* path, int flags, uint mode);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int close(int fd);

    public static Statx LStat(string path)
    {
        if (statx(AtFdCwd, path, AtSymlinkNoFollow, StatxBasicStats, out var st) != 0) throw Error("statx", path);
        return st;
    }

    /// <summary>All xattrs of <paramref name="path"/> (not following a symlink), sorted by name.</summary>
    public static SortedDictionary<string, byte[]> GetXattrs(string path)
    {
        var result = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        var size = llistxattr(path, null, 0);
        // EOPNOTSUPP: the filesystem has no xattrs at all (e.g. a SquashFS image without an xattr table).
        if (size < 0 && Marshal.GetLastPInvokeError() == 95) return result;
        if (size < 0) throw Error("llistxattr", path);
        if (size == 0) return result;
        var names = new byte[size];
        fixed (byte* p = names) size = llistxattr(path, p, size);
        if (size < 0) throw Error("llistxattr", path);
        foreach (var name in Encoding.UTF8.GetString(names, 0, (int)size).Split('\0', StringSplitOptions.RemoveEmptyEntries))
        {
            var length = lgetxattr(path, name, null, 0);
            if (length < 0 && Marshal.GetLastPInvokeError() == 61 /* ENODATA */) continue; // listed but unreadable
            if (length < 0) throw Error("lgetxattr " + name, path);
            var value = new byte[length];
            fixed (byte* p = value) length = length == 0 ? 0 : lgetxattr(path, name, p, length);
            if (length < 0) throw Error("lgetxattr " + name, path);
            result[name] = value[..(int)length];
        }
        return result;
    }

    public static void SetXattr(string path, string name, ReadOnlySpan<byte> value)
    {
        fixed (byte* p = value)
            if (lsetxattr(path, name, p, value.Length, 0) != 0) throw Error("lsetxattr " + name, path);
    }

    public static void HardLink(string existing, string newPath)
    {
        if (link(existing, newPath) != 0) throw Error("link", newPath);
    }

    public static void MakeFifo(string path)
    {
        if (mkfifo(path, 0x1A4) != 0) throw Error("mkfifo", path);
    }

    public static void LChown(string path, uint uid, uint gid)
    {
        if (lchown(path, uid, gid) != 0) throw Error("lchown", path);
    }

    /// <summary>chmod with all twelve permission bits (File.SetUnixFileMode drops nothing, but is clearer for setuid).</summary>
    public static void Chmod(string path, uint mode)
    {
        if (chmod(path, mode) != 0) throw Error("chmod", path);
    }

    /// <summary>Sets atime and mtime (whole seconds) without following a symlink.</summary>
    public static void SetMtime(string path, long seconds)
    {
        var times = stackalloc long[4] { seconds, 0, seconds, 0 };
        if (utimensat(AtFdCwd, path, times, AtSymlinkNoFollow) != 0) throw Error("utimensat", path);
    }

    /// <summary>Creates an empty file whose name is raw bytes (e.g. not valid UTF-8).</summary>
    public static void CreateFileRaw(string directory, ReadOnlySpan<byte> name)
    {
        var path = new byte[Encoding.UTF8.GetByteCount(directory) + 1 + name.Length + 1];
        var n = Encoding.UTF8.GetBytes(directory, path);
        path[n++] = (byte)'/';
        name.CopyTo(path.AsSpan(n));
        fixed (byte* p = path)
        {
            var fd = open(p, 0x41 /* O_WRONLY|O_CREAT */, 0x1A4);
            if (fd < 0) throw Error("open", directory + "/<raw name>");
            close(fd);
        }
    }

    private static IOException Error(string call, string path)
        => new($"{call}({path}): {Marshal.GetLastPInvokeErrorMessage()}");
}
