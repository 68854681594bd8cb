using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Distri.Linux;

/// <summary>
/// Opens the files of repositories and stores, which whoever can write there may have made a
/// symlink (to <c>/etc/shadow</c>), a fifo (an open that never returns) or a device: only a
/// regular file is opened, never through a symlink, and the check is made on the open handle
/// (<c>O_NOFOLLOW | O_NONBLOCK</c>, then fstat), so nothing can be swapped in between.
/// </summary>
public static unsafe partial class RegularFile
{
    private const int ELOOP = 40;
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const int AtEmptyPath = 0x1000;
    private const uint StatxBasicStats = 0x7ff;
    private const uint TypeMask = 0xF000, Regular = 0x8000;

    /// <summary>What a successful check saw: the file's length and modification time.</summary>
    public readonly record struct Status(long Length, DateTime LastWriteTimeUtc);

    /// <summary>Opens <paramref name="path"/> for reading if it is a regular file (not a symlink to one).</summary>
    /// <exception cref="IOException">Missing, a symlink, not a regular file, or unreadable; the message names the path.</exception>
    public static FileStream OpenRead(string path, int bufferSize = 0) => OpenRead(path, out _, bufferSize);

    /// <inheritdoc cref="OpenRead(string, int)"/>
    public static FileStream OpenRead(string path, out Status status, int bufferSize = 0)
    {
        // O_NOFOLLOW differs between architectures; O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC do not.
        var noFollow = RuntimeInformation.ProcessArchitecture is Architecture.Arm64 or Architecture.Arm ? 0x8000 : 0x20000;
        int fd;
        fixed (byte* p = NullTerminated(path)) fd = open(p, 0x800 | 0x100 | 0x80000 | noFollow, 0);
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno == 2) throw new FileNotFoundException($"{path}: no such file", path);
            throw new IOException(errno == ELOOP ? $"{path}: is a symbolic link" : $"{path}: {Marshal.GetPInvokeErrorMessage(errno)}");
        }
        var handle = new SafeFileHandle(fd, ownsHandle: true);
        try
        {
            Statx st;
            byte empty = 0;
            if (statx(fd, &empty, AtEmptyPath, StatxBasicStats, &st) != 0) throw new IOException($"{path}: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
            status = CheckRegular(path, st);
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
    public static Status? TryGetStatus(string path)
    {
        Statx st;
        fixed (byte* p = NullTerminated(path))
        {
            if (statx(AtFdCwd, p, AtSymlinkNoFollow, StatxBasicStats, &st) != 0) return null;
        }
        return (st.Mode & TypeMask) == Regular ? ToStatus(st) : null;
    }

    private static Status CheckRegular(string path, Statx st)
    {
        var type = st.Mode & TypeMask;
        if (type == Regular) return ToStatus(st);
        var what = type switch { 0x1000 => "a fifo", 0x2000 => "a character device", 0x6000 => "a block device", 0x4000 => "a directory", 0xC000 => "a socket", _ => $"of type 0{type >> 12:o}" };
        throw new IOException($"{path}: is {what}, not a regular file");
    }

    private static Status ToStatus(Statx st) =>
        new((long)st.Size, DateTime.UnixEpoch.AddTicks(st.MtimeSeconds * TimeSpan.TicksPerSecond + st.MtimeNanoseconds / 100));

    private static byte[] NullTerminated(string path)
    {
        var bytes = new byte[System.Text.Encoding.UTF8.GetByteCount(path) + 1];
        System.Text.Encoding.UTF8.GetBytes(path, bytes);
        return bytes;
    }

    /// <summary>The fields of struct statx (linux/stat.h) used here; its layout is the same on every architecture.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 256)]
    private struct Statx
    {
        [FieldOffset(28)] public ushort Mode;
        [FieldOffset(40)] public ulong Size;
        [FieldOffset(112)] public long MtimeSeconds;
        [FieldOffset(120)] public uint MtimeNanoseconds;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int open(byte* path, int flags, uint mode);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int statx(int dirfd, byte* path, int flags, uint mask, Statx* buffer);
}
