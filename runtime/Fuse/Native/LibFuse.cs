using System.Runtime.InteropServices;

namespace Distri.Fuse.Native;

/// <summary>
/// The part of libfuse3's low-level API we use (Debian's libfuse3-3, ≥ 3.12 for the loop config).
/// Requests are answered with exactly one fuse_reply_* call (or fuse_reply_none for forget).
/// </summary>
internal static unsafe partial class LibFuse
{
    private const string Library = "libfuse3.so.3";

    [LibraryImport(Library, EntryPoint = "fuse_session_new")]
    public static partial IntPtr SessionNew(FuseArgs* args, FuseLowLevelOps* ops, nuint opsSize, IntPtr userdata);

    [LibraryImport(Library, EntryPoint = "fuse_session_mount")]
    public static partial int SessionMount(IntPtr session, byte* mountpoint);

    // The multi-threaded loop has three symbol versions; fuse_session_loop_mt_312 is the one that
    // takes the opaque config made by fuse_loop_cfg_create, so its layout is not our concern.
    [LibraryImport(Library, EntryPoint = "fuse_session_loop_mt_312")]
    public static partial int SessionLoopMt(IntPtr session, IntPtr config);

    [LibraryImport(Library, EntryPoint = "fuse_loop_cfg_create")]
    public static partial IntPtr LoopConfigCreate();

    [LibraryImport(Library, EntryPoint = "fuse_loop_cfg_destroy")]
    public static partial void LoopConfigDestroy(IntPtr config);

    [LibraryImport(Library, EntryPoint = "fuse_loop_cfg_set_max_threads")]
    public static partial void LoopConfigSetMaxThreads(IntPtr config, uint value);

    [LibraryImport(Library, EntryPoint = "fuse_loop_cfg_set_idle_threads")]
    public static partial void LoopConfigSetIdleThreads(IntPtr config, uint value);

    [LibraryImport(Library, EntryPoint = "fuse_session_exit")]
    public static partial void SessionExit(IntPtr session);

    [LibraryImport(Library, EntryPoint = "fuse_session_unmount")]
    public static partial void SessionUnmount(IntPtr session);

    [LibraryImport(Library, EntryPoint = "fuse_session_destroy")]
    public static partial void SessionDestroy(IntPtr session);

    [LibraryImport(Library, EntryPoint = "fuse_req_userdata")]
    public static partial IntPtr RequestUserdata(IntPtr request);

    [LibraryImport(Library, EntryPoint = "fuse_reply_err")]
    public static partial int ReplyErr(IntPtr request, int error);

    [LibraryImport(Library, EntryPoint = "fuse_reply_none")]
    public static partial void ReplyNone(IntPtr request);

    [LibraryImport(Library, EntryPoint = "fuse_reply_entry")]
    public static partial int ReplyEntry(IntPtr request, FuseEntryParam* entry);

    [LibraryImport(Library, EntryPoint = "fuse_reply_attr")]
    public static partial int ReplyAttr(IntPtr request, Stat* attr, double timeout);

    [LibraryImport(Library, EntryPoint = "fuse_reply_readlink")]
    public static partial int ReplyReadlink(IntPtr request, byte* link);

    [LibraryImport(Library, EntryPoint = "fuse_reply_statfs")]
    public static partial int ReplyStatfs(IntPtr request, StatVfs* statvfs);

    [LibraryImport(Library, EntryPoint = "fuse_reply_open")]
    public static partial int ReplyOpen(IntPtr request, FuseFileInfo* fileInfo);

    [LibraryImport(Library, EntryPoint = "fuse_reply_buf")]
    public static partial int ReplyBuf(IntPtr request, byte* buffer, nuint size);

    [LibraryImport(Library, EntryPoint = "fuse_reply_xattr")]
    public static partial int ReplyXattr(IntPtr request, nuint count);

    [LibraryImport(Library, EntryPoint = "fuse_add_direntry")]
    public static partial nuint AddDirentry(IntPtr request, byte* buffer, nuint size, byte* name, Stat* attr, long nextOffset);

    [LibraryImport(Library, EntryPoint = "fuse_add_direntry_plus")]
    public static partial nuint AddDirentryPlus(IntPtr request, byte* buffer, nuint size, byte* name, FuseEntryParam* entry, long nextOffset);

    [LibraryImport(Library, EntryPoint = "fuse_lowlevel_notify_inval_entry")]
    public static partial int NotifyInvalEntry(IntPtr session, ulong parent, byte* name, nuint nameLength);

    [LibraryImport(Library, EntryPoint = "fuse_lowlevel_notify_inval_inode")]
    public static partial int NotifyInvalInode(IntPtr session, ulong ino, long offset, long length);
}

/// <summary>errno values answered to the kernel (Linux numbering).</summary>
internal static class Errno
{
    public const int ENOENT = 2;
    public const int EIO = 5;
    public const int EBADF = 9;
    public const int EACCES = 13;
    public const int ENOTDIR = 20;
    public const int EISDIR = 21;
    public const int EINVAL = 22;
    public const int EROFS = 30;
    public const int ERANGE = 34;
    public const int ENOSYS = 38;
    public const int ENODATA = 61;
}
