using System.Text;

namespace Distri.Linux;

/// <summary>
/// The mounts the calling process sees, from <c>/proc/self/mountinfo</c>: each line is
/// <c>id parent major:minor root mountpoint options [optional…] - fstype source superoptions</c>,
/// with space, tab, newline and backslash in paths written as <c>\ooo</c>.
/// </summary>
public static class MountTable
{
    public readonly record struct Mount(string MountPoint, string FileSystemType, string Source);

    public static IEnumerable<Mount> Read(string mountinfo = "/proc/self/mountinfo")
    {
        foreach (var line in File.ReadLines(mountinfo))
        {
            if (Parse(line) is { } mount) yield return mount;
        }
    }

    /// <summary>One mountinfo line; null when it is not one.</summary>
    public static Mount? Parse(string line)
    {
        var fields = line.Split(' ');
        if (fields.Length < 5) return null;
        var separator = Array.IndexOf(fields, "-", 5);
        var type = separator > 0 && separator + 1 < fields.Length ? fields[separator + 1] : "";
        var source = separator > 0 && separator + 2 < fields.Length ? Unescape(fields[separator + 2]) : "";
        return new Mount(Unescape(fields[4]), type, source);
    }

    /// <summary>The type of the file system mounted exactly at <paramref name="path"/> (the topmost), or null.</summary>
    public static string? FileSystemAt(string path)
    {
        var full = Normalize(path);
        string? found = null;
        foreach (var mount in Read())
        {
            if (mount.MountPoint == full) found = mount.FileSystemType.Length > 0 ? mount.FileSystemType : "something";
        }
        return found;
    }

    public static bool IsMounted(string path) => FileSystemAt(path) is not null;

    /// <summary>Detaches whatever is mounted at <paramref name="path"/> (lazily: never blocks on a dead FUSE connection); false when nothing was.</summary>
    public static bool Detach(string path) => LibC.Unmount(Normalize(path), LibC.MNT_DETACH) == 0;

    /// <summary>A mountinfo field with its <c>\ooo</c> escapes decoded (as bytes: a path need not be UTF-8).</summary>
    public static string Unescape(string field)
    {
        if (!field.Contains('\\')) return field;
        var bytes = new List<byte>(field.Length);
        var run = 0; // start of the text since the last escape
        for (var i = 0; i < field.Length; i++)
        {
            if (field[i] != '\\' || !IsOctal(field, i + 1)) continue;
            bytes.AddRange(Encoding.UTF8.GetBytes(field[run..i]));
            bytes.Add((byte)Convert.ToInt32(field.Substring(i + 1, 3), 8));
            i += 3;
            run = i + 1;
        }
        bytes.AddRange(Encoding.UTF8.GetBytes(field[run..]));
        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    private static bool IsOctal(string s, int start) =>
        start + 3 <= s.Length && s[start] is >= '0' and <= '3' && s[start + 1] is >= '0' and <= '7' && s[start + 2] is >= '0' and <= '7';

    private static string Normalize(string path)
    {
        var full = Path.GetFullPath(path);
        return full.Length > 1 ? full.TrimEnd('/') : full;
    }
}
