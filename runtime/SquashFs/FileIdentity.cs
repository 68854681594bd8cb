using Distri.Linux;

namespace Distri.SquashFs;

/// <summary>
/// Which file a path names, and which contents: device and inode change when a file is replaced
/// by a rename, size and mtime when it is written in place (a copy still under way). Readers that
/// keep an image open compare identities to notice that the path now holds something else.
/// </summary>
public readonly record struct FileIdentity(uint DeviceMajor, uint DeviceMinor, ulong Inode, ulong Size, long MtimeSeconds, uint MtimeNanoseconds)
{
    /// <summary>The identity of the file at <paramref name="path"/> (symlinks followed), or null if there is none.</summary>
    public static FileIdentity? Of(string path)
    {
        if (LibC.LStat(path, out var st, followSymlink: true) != 0) return null;
        return new FileIdentity(st.DevMajor, st.DevMinor, st.Ino, st.Size, st.MtimeSeconds, st.MtimeNanoseconds);
    }
}
