namespace Distri.Fuse.Native;

/// <summary>
/// The read-only subset of the FUSE low-level operations. <see cref="FuseSession"/> calls these on
/// libfuse's worker threads; an implementation answers each request exactly once and may throw
/// (the session then logs and answers EIO), so it must reply as its last action.
/// </summary>
internal abstract class LowLevelFileSystem
{
    /// <summary>Chooses the connection's capabilities (libfuse has set its defaults in <paramref name="connection"/>.Want).</summary>
    public virtual void Init(ref FuseConnInfo connection)
    {
    }

    /// <summary>Looks up <paramref name="name"/>: the kernel's bytes, which need not be UTF-8 (valid until the handler returns).</summary>
    public abstract void Lookup(FuseRequest request, ulong parent, ReadOnlySpan<byte> name);
    /// <summary>The kernel dropped <paramref name="lookups"/> of the lookups that handed out <paramref name="ino"/> (no reply).</summary>
    public virtual void Forget(ulong ino, ulong lookups)
    {
    }

    public abstract void GetAttr(FuseRequest request, ulong ino);
    public abstract void ReadLink(FuseRequest request, ulong ino);
    public abstract void Open(FuseRequest request, ulong ino, ref FuseFileInfo info);
    public abstract void Read(FuseRequest request, ulong ino, int size, long offset, ref FuseFileInfo info);
    public virtual void Release(FuseRequest request, ulong ino, ref FuseFileInfo info) => request.ReplyError(0);
    public abstract void OpenDir(FuseRequest request, ulong ino, ref FuseFileInfo info);
    public abstract void ReadDir(FuseRequest request, ulong ino, int size, long offset, ref FuseFileInfo info);
    /// <summary>readdir with each entry's lookup answer, so the kernel need not look the names up.</summary>
    public abstract void ReadDirPlus(FuseRequest request, ulong ino, int size, long offset, ref FuseFileInfo info);
    public abstract void ReleaseDir(FuseRequest request, ulong ino, ref FuseFileInfo info);
    public abstract void GetXattr(FuseRequest request, ulong ino, string name, int size);
    public abstract void ListXattr(FuseRequest request, ulong ino, int size);
    public abstract void StatFs(FuseRequest request, ulong ino);

    /// <summary>Called once per exception escaping a handler, before the EIO reply.</summary>
    public virtual void OnUnhandledException(string operation, ulong ino, Exception exception) =>
        Console.Error.WriteLine($"distri fuse: {operation} of inode {ino:x} failed: {exception}");
}
