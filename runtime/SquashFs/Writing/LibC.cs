using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

[assembly: InternalsVisibleTo("Distri.SquashFs.Tests")]

namespace Distri.SquashFs.Writing;

/// <summary>
/// The libc calls the writer needs and .NET lacks: lstat with every field (statx), xattrs of a path
/// without following symlinks, raw-byte readlink, SEEK_DATA, and an open that refuses symlinks and
/// never blocks on a fifo. statx is used because its layout is the same on every architecture.
/// </summary>
internal static unsafe partial class LibC
{
    public const int AtFdCwd = -100;
    public const int AtSymlinkNoFollow = 0x100;
    public const int AtEmptyPath = 0x1000;
    public const uint StatxBasicStats = 0x7ff;
    public const int SeekData = 3;
    public const int ENOENT = 2;
    public const int ENXIO = 6;
    public const int ERANGE = 34;
    public const int ENODATA = 61;

    /// <summary>struct statx of linux/stat.h; <c>LibCLayoutTests</c> checks the offsets against the header.</summary>
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
    }

    public const uint S_IFMT = 0xF000, S_IFSOCK = 0xC000, S_IFLNK = 0xA000, S_IFREG = 0x8000,
        S_IFBLK = 0x6000, S_IFDIR = 0x4000, S_IFCHR = 0x2000, S_IFIFO = 0x1000;

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true)]
    private static partial int StatxNative(int dirfd, byte* path, int flags, uint mask, Statx* buffer);

    [LibraryImport("libc", EntryPoint = "llistxattr", SetLastError = true)]
    private static partial nint LListXattrNative(byte* path, byte* list, nint size);

    [LibraryImport("libc", EntryPoint = "lgetxattr", SetLastError = true)]
    private static partial nint LGetXattrNative(byte* path, byte* name, byte* value, nint size);

    [LibraryImport("libc", EntryPoint = "readlink", SetLastError = true)]
    private static partial nint ReadLinkNative(byte* path, byte* buffer, nint size);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true)]
    private static partial int OpenNative(byte* path, int flags, uint mode);

    [LibraryImport("libc", EntryPoint = "lseek", SetLastError = true)]
    private static partial long LSeekNative(int fd, long offset, int whence);

    /// <summary>lstat (or stat when <paramref name="followSymlink"/>); returns errno, 0 on success.</summary>
    public static int LStat(string path, out Statx result, bool followSymlink = false)
    {
        using var p = new NativePath(path);
        Statx st;
        var rc = StatxNative(AtFdCwd, p.Pointer, followSymlink ? 0 : AtSymlinkNoFollow, StatxBasicStats, &st);
        result = st;
        return rc == 0 ? 0 : Marshal.GetLastPInvokeError();
    }

    /// <summary>fstat of an open handle.</summary>
    public static Statx FStat(SafeFileHandle handle, string pathForErrors)
    {
        byte empty = 0;
        Statx st;
        if (StatxNative((int)handle.DangerousGetHandle(), &empty, AtEmptyPath, StatxBasicStats, &st) != 0)
            throw Error("fstat", pathForErrors);
        return st;
    }

    /// <summary>Opens a regular file read-only without following a symlink and without blocking on a fifo.</summary>
    public static SafeFileHandle OpenNoFollow(string path)
    {
        // O_NOFOLLOW differs between architectures; O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC do not.
        var noFollow = RuntimeInformation.ProcessArchitecture is Architecture.Arm64 or Architecture.Arm ? 0x8000 : 0x20000;
        using var p = new NativePath(path);
        var fd = OpenNative(p.Pointer, 0x800 | 0x100 | 0x80000 | noFollow, 0);
        if (fd < 0) throw Error("open", path);
        return new SafeFileHandle(fd, ownsHandle: true);
    }

    /// <summary>The next offset at or after <paramref name="offset"/> holding data; -1 when only a hole follows.</summary>
    public static long SeekDataOrEnd(SafeFileHandle handle, long offset)
    {
        var r = LSeekNative((int)handle.DangerousGetHandle(), offset, SeekData);
        if (r >= 0) return r;
        var errno = Marshal.GetLastPInvokeError();
        // ENXIO: no data after offset. EINVAL: the filesystem has no SEEK_DATA; treat all as data.
        return errno == ENXIO ? -1 : offset;
    }

    /// <summary>The raw bytes of a symlink's target.</summary>
    public static byte[] ReadLink(string path)
    {
        using var p = new NativePath(path);
        for (var size = 256; ; size *= 4)
        {
            var buffer = new byte[size];
            nint n;
            fixed (byte* b = buffer) n = ReadLinkNative(p.Pointer, b, size);
            if (n < 0) throw Error("readlink", path);
            if (n < size) return buffer[..(int)n];
            if (size > 1 << 20) throw new IOException($"readlink({path}): target too long");
        }
    }

    /// <summary>Names of all xattrs of <paramref name="path"/> (not following a symlink), as raw bytes.</summary>
    public static List<byte[]> ListXattrs(string path)
    {
        using var p = new NativePath(path);
        while (true)
        {
            var size = LListXattrNative(p.Pointer, null, 0);
            if (size < 0) throw Error("llistxattr", path);
            if (size == 0) return [];
            var buffer = new byte[size];
            fixed (byte* b = buffer) size = LListXattrNative(p.Pointer, b, size);
            if (size < 0 && Marshal.GetLastPInvokeError() == ERANGE) continue; // grew meanwhile
            if (size < 0) throw Error("llistxattr", path);
            var names = new List<byte[]>();
            foreach (var name in buffer.AsSpan(0, (int)size).Split((byte)0))
                if (name.End.Value > name.Start.Value) names.Add(buffer[name]);
            return names;
        }
    }

    /// <summary>The value of one xattr; null if it vanished meanwhile.</summary>
    public static byte[]? GetXattr(string path, byte[] name)
    {
        using var p = new NativePath(path);
        var z = new byte[name.Length + 1];
        name.CopyTo(z, 0);
        fixed (byte* n = z)
        {
            while (true)
            {
                var size = LGetXattrNative(p.Pointer, n, null, 0);
                if (size < 0 && Marshal.GetLastPInvokeError() == ENODATA) return null;
                if (size < 0) throw Error("lgetxattr", path);
                var value = new byte[size];
                if (size == 0) return value;
                fixed (byte* v = value) size = LGetXattrNative(p.Pointer, n, v, size);
                if (size < 0 && Marshal.GetLastPInvokeError() == ERANGE) continue;
                if (size < 0) throw Error("lgetxattr", path);
                return value[..(int)size];
            }
        }
    }

    public static IOException Error(string call, string path)
        => new($"{call} '{path}': {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");

    /// <summary>A pinned, NUL-terminated UTF-8 copy of a path.</summary>
    private readonly struct NativePath : IDisposable
    {
        private readonly byte[] _bytes;
        private readonly GCHandle _pin;

        public NativePath(string path)
        {
            _bytes = new byte[System.Text.Encoding.UTF8.GetByteCount(path) + 1];
            System.Text.Encoding.UTF8.GetBytes(path, _bytes);
            _pin = GCHandle.Alloc(_bytes, GCHandleType.Pinned);
        }

        public byte* Pointer => (byte*)_pin.AddrOfPinnedObject();

        public void Dispose() => _pin.Free();
    }
}
