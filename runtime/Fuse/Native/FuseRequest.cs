using System.Text;

namespace Distri.Fuse.Native;

/// <summary>
/// One kernel request (<c>fuse_req_t</c>). Each must be answered exactly once by one Reply* call;
/// after that the handle is freed by libfuse and must not be touched.
/// </summary>
internal readonly unsafe struct FuseRequest(IntPtr handle)
{
    public IntPtr Handle { get; } = handle;

    public void ReplyError(int errno) => LibFuse.ReplyErr(Handle, errno);

    public void ReplyNone() => LibFuse.ReplyNone(Handle);

    public void ReplyEntry(in FuseEntryParam entry)
    {
        fixed (FuseEntryParam* p = &entry) LibFuse.ReplyEntry(Handle, p);
    }

    public void ReplyAttr(in Stat attr, double timeout)
    {
        fixed (Stat* p = &attr) LibFuse.ReplyAttr(Handle, p, timeout);
    }

    public void ReplyReadlink(string target) => ReplyReadlink(Encoding.UTF8.GetBytes(target));

    /// <summary>Answers readlink with the target's bytes as stored (they need not be UTF-8).</summary>
    public void ReplyReadlink(ReadOnlySpan<byte> target)
    {
        Span<byte> terminated = target.Length < 1024 ? stackalloc byte[target.Length + 1] : new byte[target.Length + 1];
        target.CopyTo(terminated);
        terminated[^1] = 0;
        fixed (byte* p = terminated) LibFuse.ReplyReadlink(Handle, p);
    }

    public void ReplyStatfs(in StatVfs statvfs)
    {
        fixed (StatVfs* p = &statvfs) LibFuse.ReplyStatfs(Handle, p);
    }

    public void ReplyOpen(in FuseFileInfo info)
    {
        fixed (FuseFileInfo* p = &info) LibFuse.ReplyOpen(Handle, p);
    }

    public void ReplyBuffer(ReadOnlySpan<byte> data)
    {
        fixed (byte* p = data) LibFuse.ReplyBuf(Handle, p, (nuint)data.Length);
    }

    public void ReplyXattrSize(int size) => LibFuse.ReplyXattr(Handle, (nuint)size);

    /// <summary>Appends a directory entry; returns the space it needs (more than the room left means it did not fit).</summary>
    public int AddDirectoryEntry(Span<byte> buffer, ReadOnlySpan<byte> nullTerminatedName, in Stat attr, long nextOffset)
    {
        fixed (byte* b = buffer)
        fixed (byte* n = nullTerminatedName)
        fixed (Stat* s = &attr)
        {
            return (int)LibFuse.AddDirentry(Handle, b, (nuint)buffer.Length, n, s, nextOffset);
        }
    }

    /// <summary>
    /// Appends a readdirplus entry (the name with a lookup's answer); returns the space it needs, as
    /// <see cref="AddDirectoryEntry"/>. An entry with a node id counts as a lookup of that node once
    /// it fits ("." and ".." never do); one with id 0 only lists the name.
    /// </summary>
    public int AddDirectoryEntryPlus(Span<byte> buffer, ReadOnlySpan<byte> nullTerminatedName, in FuseEntryParam entry, long nextOffset)
    {
        fixed (byte* b = buffer)
        fixed (byte* n = nullTerminatedName)
        fixed (FuseEntryParam* e = &entry)
        {
            return (int)LibFuse.AddDirentryPlus(Handle, b, (nuint)buffer.Length, n, e, nextOffset);
        }
    }
}
