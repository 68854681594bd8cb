using System.Runtime.InteropServices;

namespace Distri.Fuse.Native;

// Layouts of the C structs we exchange with libfuse3 on linux-x64 (glibc). A test compiles a C
// program against /usr/include/fuse3 and compares every size and offset with these.

/// <summary><c>struct timespec</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct Timespec
{
    public long Seconds;
    public long Nanoseconds;
}

/// <summary><c>struct statvfs</c> (64-bit glibc: 112 bytes).</summary>
[StructLayout(LayoutKind.Sequential, Size = 112)]
internal struct StatVfs
{
    public ulong BlockSize;
    public ulong FragmentSize;
    public ulong Blocks;
    public ulong BlocksFree;
    public ulong BlocksAvailable;
    public ulong Files;
    public ulong FilesFree;
    public ulong FilesAvailable;
    public ulong FileSystemId;
    public ulong Flags;
    public ulong NameMax;
}

/// <summary><c>struct stat</c> (x86_64 glibc: 144 bytes).</summary>
[StructLayout(LayoutKind.Explicit, Size = 144)]
internal struct Stat
{
    [FieldOffset(0)] public ulong Dev;
    [FieldOffset(8)] public ulong Ino;
    [FieldOffset(16)] public ulong Nlink;
    [FieldOffset(24)] public uint Mode;
    [FieldOffset(28)] public uint Uid;
    [FieldOffset(32)] public uint Gid;
    [FieldOffset(40)] public ulong Rdev;
    [FieldOffset(48)] public long Size;
    [FieldOffset(56)] public long BlockSize;
    [FieldOffset(64)] public long Blocks;
    [FieldOffset(72)] public Timespec Atime;
    [FieldOffset(88)] public Timespec Mtime;
    [FieldOffset(104)] public Timespec Ctime;
}

/// <summary><c>struct fuse_entry_param</c>: the answer to a lookup.</summary>
[StructLayout(LayoutKind.Explicit, Size = 176)]
internal struct FuseEntryParam
{
    [FieldOffset(0)] public ulong Ino;
    [FieldOffset(8)] public ulong Generation;
    [FieldOffset(16)] public Stat Attr;
    [FieldOffset(160)] public double AttrTimeout;
    [FieldOffset(168)] public double EntryTimeout;
}

/// <summary><c>struct fuse_file_info</c>; the C bitfields live in <see cref="Bits"/>.</summary>
[StructLayout(LayoutKind.Explicit, Size = 40)]
internal struct FuseFileInfo
{
    [FieldOffset(0)] public int Flags;
    [FieldOffset(4)] public uint Bits;
    [FieldOffset(16)] public ulong Fh;
    [FieldOffset(24)] public ulong LockOwner;
    [FieldOffset(32)] public uint PollEvents;

    // Bit positions in declaration order: writepage, direct_io, keep_cache, flush, nonseekable,
    // flock_release, cache_readdir, noflush (gcc allocates bitfields from the least significant bit).
    public const uint DirectIoBit = 1u << 1;
    public const uint KeepCacheBit = 1u << 2;
    public const uint CacheReaddirBit = 1u << 6;

    public bool KeepCache
    {
        readonly get => (Bits & KeepCacheBit) != 0;
        set => Bits = value ? Bits | KeepCacheBit : Bits & ~KeepCacheBit;
    }

    public bool CacheReaddir
    {
        readonly get => (Bits & CacheReaddirBit) != 0;
        set => Bits = value ? Bits | CacheReaddirBit : Bits & ~CacheReaddirBit;
    }
}

/// <summary>
/// <c>struct fuse_conn_info</c> (libfuse 3.14): what the kernel offers (<see cref="Capable"/>) and
/// what the file system wants (<see cref="Want"/>), set in the init callback.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 128)]
internal struct FuseConnInfo
{
    [FieldOffset(20)] public uint Capable;
    [FieldOffset(24)] public uint Want;

    // FUSE_CAP_* bits of fuse_common.h.
    public const uint ReaddirPlus = 1u << 13;
    public const uint ReaddirPlusAuto = 1u << 14;
    public const uint NoOpendirSupport = 1u << 24;
}

/// <summary><c>struct fuse_args</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct FuseArgs
{
    public int Argc;
    public byte** Argv;
    public int Allocated;
}

/// <summary>
/// <c>struct fuse_lowlevel_ops</c> for FUSE_USE_VERSION 3.x ≥ 35 (one <c>ioctl</c> slot): 44
/// function pointers in header order. Slots we leave null make libfuse answer ENOSYS or a default.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct FuseLowLevelOps
{
    public delegate* unmanaged<IntPtr, FuseConnInfo*, void> Init;
    public IntPtr Destroy;
    public delegate* unmanaged<IntPtr, ulong, byte*, void> Lookup;
    public delegate* unmanaged<IntPtr, ulong, ulong, void> Forget;
    public delegate* unmanaged<IntPtr, ulong, FuseFileInfo*, void> Getattr;
    public IntPtr Setattr;
    public delegate* unmanaged<IntPtr, ulong, void> Readlink;
    public IntPtr Mknod;
    public IntPtr Mkdir;
    public IntPtr Unlink;
    public IntPtr Rmdir;
    public IntPtr Symlink;
    public IntPtr Rename;
    public IntPtr Link;
    public delegate* unmanaged<IntPtr, ulong, FuseFileInfo*, void> Open;
    public delegate* unmanaged<IntPtr, ulong, nuint, long, FuseFileInfo*, void> Read;
    public IntPtr Write;
    public IntPtr Flush;
    public delegate* unmanaged<IntPtr, ulong, FuseFileInfo*, void> Release;
    public IntPtr Fsync;
    public delegate* unmanaged<IntPtr, ulong, FuseFileInfo*, void> Opendir;
    public delegate* unmanaged<IntPtr, ulong, nuint, long, FuseFileInfo*, void> Readdir;
    public delegate* unmanaged<IntPtr, ulong, FuseFileInfo*, void> Releasedir;
    public IntPtr Fsyncdir;
    public delegate* unmanaged<IntPtr, ulong, void> Statfs;
    public IntPtr Setxattr;
    public delegate* unmanaged<IntPtr, ulong, byte*, nuint, void> Getxattr;
    public delegate* unmanaged<IntPtr, ulong, nuint, void> Listxattr;
    public IntPtr Removexattr;
    public IntPtr Access;
    public IntPtr Create;
    public IntPtr Getlk;
    public IntPtr Setlk;
    public IntPtr Bmap;
    public IntPtr Ioctl;
    public IntPtr Poll;
    public IntPtr WriteBuf;
    public IntPtr RetrieveReply;
    public delegate* unmanaged<IntPtr, nuint, FuseForgetData*, void> ForgetMulti;
    public IntPtr Flock;
    public IntPtr Fallocate;
    public delegate* unmanaged<IntPtr, ulong, nuint, long, FuseFileInfo*, void> Readdirplus;
    public IntPtr CopyFileRange;
    public IntPtr Lseek;
}

/// <summary>struct fuse_forget_data: one node and how many lookups of it the kernel drops.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct FuseForgetData
{
    public ulong Ino;
    public ulong Nlookup;
}
