using System.Text;
using Distri.Linux;

namespace SquashFs.Tests.Fixtures;

/// <summary>How the fixtures read a tree (a source or a mounted image): lstat that throws, and every xattr by name.</summary>
internal static class FixtureNative
{
    public static Statx LStat(string path)
    {
        var errno = LibC.LStat(path, out var st);
        return errno == 0 ? st : throw LibC.Error("lstat", path, errno);
    }

    /// <summary>All xattrs of <paramref name="path"/> (not following a symlink), sorted by name.</summary>
    public static SortedDictionary<string, byte[]> GetXattrs(string path)
    {
        var result = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        List<byte[]> names;
        try
        {
            names = LibC.ListXattrs(path);
        }
        catch (IOException e) when (e.HResult == LibC.EOPNOTSUPP)
        {
            return result; // the filesystem has no xattrs at all (e.g. a SquashFS image without an xattr table)
        }
        foreach (var name in names)
        {
            // Listed but unreadable (vanished meanwhile): not there.
            if (LibC.GetXattr(path, name) is { } value) result[Encoding.UTF8.GetString(name)] = value;
        }
        return result;
    }
}
