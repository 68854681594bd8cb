namespace Distri.Sources;

/// <summary>Where an unpacked tarball's source tree is: the SDK's extract step and <c>distri shell</c> agree through here.</summary>
public static class SourceTree
{
    /// <summary>The single top-level directory tarballs conventionally hold (hello-2.10/), else the extraction directory itself.</summary>
    public static string Root(string extractDirectory)
    {
        var entries = Directory.GetFileSystemEntries(extractDirectory);
        return entries.Length == 1 && IsPlainDirectory(entries[0]) ? entries[0] : extractDirectory;
    }

    /// <summary>A directory, and not through a link: the tree is the tarball's, which is untrusted.</summary>
    public static bool IsPlainDirectory(string path) =>
        Directory.Exists(path) && !File.GetAttributes(path).HasFlag(FileAttributes.ReparsePoint);
}
