using Distri.SquashFs;

namespace Distri.Store.Install;

/// <summary>
/// Copies an image's top-level <c>etc/</c> (beside <c>out/</c>) into <c>&lt;root&gt;/etc</c>, as
/// distri does on first install: only files and symlinks whose target does not exist yet, so a
/// user's configuration is never touched. Never follows a symlink already in the target tree.
/// </summary>
public static class EtcCopier
{
    /// <summary>Returns the paths created, relative to the root (e.g. <c>etc/zsh/zshrc</c>).</summary>
    public static IReadOnlyList<string> Copy(string imagePath, string root)
    {
        using var image = SquashFsImage.Open(imagePath);
        var etc = image.Lookup(image.Root, "etc");
        var copied = new List<string>();
        if (etc is { Type: SquashFsEntryType.Directory })
        {
            CopyDirectory(image, etc, Path.Combine(root, "etc"), "etc", copied);
        }
        return copied;
    }

    private static void CopyDirectory(SquashFsImage image, SquashFsInode directory, string target, string relative, List<string> copied)
    {
        if (OperatingSystem.IsWindows()) throw new PlatformNotSupportedException();
        var info = new DirectoryInfo(target);
        if (info.LinkTarget is not null) return; // a symlink: writing below it could land anywhere
        if (!info.Exists)
        {
            if (File.Exists(target)) return;
            Directory.CreateDirectory(target, (UnixFileMode)(directory.Permissions & 0x1ff));
        }
        foreach (var entry in image.ReadDirectory(directory))
        {
            if (entry.Name is "" or "." or ".." || entry.Name.Contains('/') || entry.Name.Contains('\0')) continue;
            var path = Path.Combine(target, entry.Name);
            var rel = relative + "/" + entry.Name;
            var inode = image.GetInode(entry);
            switch (inode.Type)
            {
                case SquashFsEntryType.Directory:
                    CopyDirectory(image, inode, path, rel, copied);
                    break;
                case SquashFsEntryType.File when !Exists(path):
                    CopyFile(image, inode, path);
                    copied.Add(rel);
                    break;
                case SquashFsEntryType.Symlink when !Exists(path):
                    File.CreateSymbolicLink(path, image.ReadLink(inode));
                    copied.Add(rel);
                    break;
            }
        }
    }

    private static bool Exists(string path) => Path.Exists(path) || new FileInfo(path).LinkTarget is not null;

    private static void CopyFile(SquashFsImage image, SquashFsInode file, string path)
    {
        if (OperatingSystem.IsWindows()) throw new PlatformNotSupportedException();
        // CreateNew: never overwrite, even a file that appeared since the check.
        using var output = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            UnixCreateMode = (UnixFileMode)(file.Permissions & 0x1ff),
        });
        var buffer = new byte[1 << 16];
        for (long offset = 0; offset < file.Size;)
        {
            var read = image.Read(file, offset, buffer);
            if (read == 0) break;
            output.Write(buffer, 0, read);
            offset += read;
        }
    }
}
