namespace Distri.Linux;

/// <summary>Owners of files and the users behind them.</summary>
public static class FileOwnership
{
    /// <summary>Gives a whole tree to <paramref name="uid"/>:<paramref name="gid"/>; symlinks are changed themselves, never followed.</summary>
    public static void ChangeTree(string root, uint uid, uint gid)
    {
        Change(root, uid, gid);
        var options = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0, IgnoreInaccessible = false };
        // The enumeration does not descend into symlinked directories.
        foreach (var entry in new DirectoryInfo(root).EnumerateFileSystemInfos("*", options))
            Change(entry.FullName, uid, gid);
    }

    public static void Change(string path, uint uid, uint gid) => LibC.LChown(path, uid, gid);

    /// <summary>The uid and gid of a user in the host's /etc/passwd, or null.</summary>
    public static (uint Uid, uint Gid)? FindUser(string name, string passwd = "/etc/passwd")
    {
        foreach (var line in File.ReadLines(passwd))
        {
            var fields = line.Split(':');
            if (fields.Length >= 4 && fields[0] == name && uint.TryParse(fields[2], out var uid) && uint.TryParse(fields[3], out var gid))
                return (uid, gid);
        }
        return null;
    }
}
