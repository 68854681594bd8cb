using System.ComponentModel;
using System.Runtime.InteropServices;

namespace Distri.Linux;

/// <summary>
/// A directory whose contents are hostile (a build's install tree): every path below it is
/// resolved by the kernel with <c>openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS)</c>, so no
/// symlink, <c>..</c> or magic link can lead an operation outside, and an operation on a symlink
/// acts on the link itself or is refused — never on what it points at.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ConfinedDirectory : IDisposable
{
    private readonly int _fd;

    private ConfinedDirectory(int fd, string path)
    {
        _fd = fd;
        Path = path;
    }

    public string Path { get; }

    /// <summary>
    /// Opens <paramref name="root"/>, which must be a real directory reached from
    /// <paramref name="trustedParent"/> (or itself when null) through real directories only.
    /// </summary>
    public static ConfinedDirectory Open(string root, string? trustedParent = null)
    {
        root = System.IO.Path.GetFullPath(root);
        if (trustedParent is null)
        {
            var fd = LibC.open(root, LibC.O_PATH | LibC.O_DIRECTORY | LibC.O_NOFOLLOW | LibC.O_CLOEXEC);
            if (fd < 0) throw Error(root, "is not a directory (or is a symbolic link)");
            return new ConfinedDirectory(fd, root);
        }
        using var parent = Open(trustedParent);
        var relative = System.IO.Path.GetRelativePath(parent.Path, root);
        return new ConfinedDirectory(parent.OpenBeneath(relative, LibC.O_PATH | LibC.O_DIRECTORY), root);
    }

    /// <summary>chmod of a file or directory below; a symlink there is refused (chmod would follow it).</summary>
    public void SetMode(string relative, UnixFileMode mode)
    {
        var fd = OpenBeneath(relative, LibC.O_PATH | LibC.O_NOFOLLOW);
        try
        {
            if (IsSymlink(fd)) throw new IOException($"{relative} is a symbolic link; its mode cannot be changed without changing what it points at");
            // chmod through the descriptor's own /proc entry: the inode just opened, no path walk.
            File.SetUnixFileMode($"/proc/self/fd/{fd}", mode);
        }
        finally
        {
            LibC.close(fd);
        }
    }

    /// <summary>Removes a file, a symlink (the link itself) or a directory tree below.</summary>
    public void Delete(string relative)
    {
        var (parent, name) = OpenParent(relative);
        try
        {
            if (LibC.unlinkat(parent, name, 0) == 0) return;
            var errno = Marshal.GetLastPInvokeError();
            if (errno != LibC.EISDIR) throw Error(relative, "cannot be deleted", errno);
            // Directory.Delete unlinks links found inside instead of following them; the path runs
            // through the parent's descriptor, so it is the directory just resolved.
            Directory.Delete($"/proc/self/fd/{parent}/{name}", recursive: true);
        }
        finally
        {
            LibC.close(parent);
        }
    }

    /// <summary>Creates (or replaces a non-directory with) a symlink below; the target is stored verbatim.</summary>
    public void CreateSymlink(string relative, string target)
    {
        var (parent, name) = OpenParent(relative, createParents: true);
        try
        {
            if (LibC.unlinkat(parent, name, 0) != 0 && Marshal.GetLastPInvokeError() is var errno && errno != LibC.ENOENT)
                throw Error(relative, "exists and cannot be replaced", errno);
            if (LibC.symlinkat(target, parent, name) != 0) throw Error(relative, "cannot be created", Marshal.GetLastPInvokeError());
        }
        finally
        {
            LibC.close(parent);
        }
    }

    public bool Exists(string relative)
    {
        var fd = TryOpenBeneath(relative, LibC.O_PATH | LibC.O_NOFOLLOW, out _);
        if (fd < 0) return false;
        LibC.close(fd);
        return true;
    }

    public void Dispose() => LibC.close(_fd);

    private (int Fd, string Name) OpenParent(string relative, bool createParents = false)
    {
        var trimmed = relative.Trim('/');
        var slash = trimmed.LastIndexOf('/');
        var name = slash < 0 ? trimmed : trimmed[(slash + 1)..];
        if (name is "" or "." or "..") throw new IOException($"'{relative}' does not name an entry below {Path}");
        var parent = slash < 0 ? "." : trimmed[..slash];
        if (createParents && slash >= 0)
        {
            var path = "";
            foreach (var part in parent.Split('/', StringSplitOptions.RemoveEmptyEntries))
            {
                path = path.Length == 0 ? part : path + "/" + part;
                var fd = OpenBeneath(path.Contains('/') ? path[..path.LastIndexOf('/')] : ".", LibC.O_PATH | LibC.O_DIRECTORY);
                try
                {
                    if (LibC.mkdirat(fd, part, 0b111_101_101) != 0 && Marshal.GetLastPInvokeError() is var errno && errno != LibC.EEXIST)
                        throw Error(path, "cannot be created", errno);
                }
                finally
                {
                    LibC.close(fd);
                }
            }
        }
        return (OpenBeneath(parent, LibC.O_PATH | LibC.O_DIRECTORY), name);
    }

    private int OpenBeneath(string relative, int flags)
    {
        var fd = TryOpenBeneath(relative, flags, out var errno);
        if (fd >= 0) return fd;
        throw errno switch
        {
            LibC.ELOOP => new IOException($"{relative} (below {Path}) is or passes through a symbolic link"),
            LibC.EXDEV => new IOException($"{relative} leaves {Path}"),
            _ => Error(relative, "cannot be opened", errno),
        };
    }

    private int TryOpenBeneath(string relative, int flags, out int errno)
    {
        var how = new OpenHow
        {
            Flags = (ulong)(flags | LibC.O_CLOEXEC),
            Resolve = LibC.RESOLVE_BENEATH | LibC.RESOLVE_NO_SYMLINKS | LibC.RESOLVE_NO_MAGICLINKS,
        };
        var fd = LibC.openat2(_fd, relative.Length == 0 ? "." : relative, how);
        errno = fd < 0 ? Marshal.GetLastPInvokeError() : 0;
        return fd;
    }

    private static unsafe bool IsSymlink(int fd)
    {
        // readlink of an O_PATH descriptor to a link with an empty path answers its target.
        byte buffer;
        return LibC.readlinkat(fd, "", &buffer, 1) >= 0;
    }

    private Exception Error(string relative, string what, int errno) =>
        new IOException($"{relative} (below {Path}) {what}: {new Win32Exception(errno).Message}");

    private static IOException Error(string path, string what) =>
        new($"{path} {what}: {new Win32Exception(Marshal.GetLastPInvokeError()).Message}");
}
