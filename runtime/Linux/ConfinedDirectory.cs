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
public sealed partial class ConfinedDirectory : IDisposable
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
            var fd = open(root, (int)(O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
            if (fd < 0) throw Error(root, "is not a directory (or is a symbolic link)");
            return new ConfinedDirectory(fd, root);
        }
        using var parent = Open(trustedParent);
        var relative = System.IO.Path.GetRelativePath(parent.Path, root);
        return new ConfinedDirectory(parent.OpenBeneath(relative, O_PATH | O_DIRECTORY), root);
    }

    /// <summary>chmod of a file or directory below; a symlink there is refused (chmod would follow it).</summary>
    public void SetMode(string relative, UnixFileMode mode)
    {
        var fd = OpenBeneath(relative, O_PATH | O_NOFOLLOW);
        try
        {
            if (IsSymlink(fd)) throw new IOException($"{relative} is a symbolic link; its mode cannot be changed without changing what it points at");
            // chmod through the descriptor's own /proc entry: the inode just opened, no path walk.
            File.SetUnixFileMode($"/proc/self/fd/{fd}", mode);
        }
        finally
        {
            close(fd);
        }
    }

    /// <summary>Removes a file, a symlink (the link itself) or a directory tree below.</summary>
    public void Delete(string relative)
    {
        var (parent, name) = OpenParent(relative);
        try
        {
            if (unlinkat(parent, name, 0) == 0) return;
            var errno = Marshal.GetLastPInvokeError();
            if (errno != EISDIR) throw Error(relative, "cannot be deleted", errno);
            // Directory.Delete unlinks links found inside instead of following them; the path runs
            // through the parent's descriptor, so it is the directory just resolved.
            Directory.Delete($"/proc/self/fd/{parent}/{name}", recursive: true);
        }
        finally
        {
            close(parent);
        }
    }

    /// <summary>Creates (or replaces a non-directory with) a symlink below; the target is stored verbatim.</summary>
    public void CreateSymlink(string relative, string target)
    {
        var (parent, name) = OpenParent(relative, createParents: true);
        try
        {
            if (unlinkat(parent, name, 0) != 0 && Marshal.GetLastPInvokeError() is var errno && errno != ENOENT)
                throw Error(relative, "exists and cannot be replaced", errno);
            if (symlinkat(target, parent, name) != 0) throw Error(relative, "cannot be created", Marshal.GetLastPInvokeError());
        }
        finally
        {
            close(parent);
        }
    }

    public bool Exists(string relative)
    {
        var fd = TryOpenBeneath(relative, O_PATH | O_NOFOLLOW, out _);
        if (fd < 0) return false;
        close(fd);
        return true;
    }

    public void Dispose() => close(_fd);

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
                var fd = OpenBeneath(path.Contains('/') ? path[..path.LastIndexOf('/')] : ".", O_PATH | O_DIRECTORY);
                try
                {
                    if (mkdirat(fd, part, 0b111_101_101) != 0 && Marshal.GetLastPInvokeError() is var errno && errno != EEXIST)
                        throw Error(path, "cannot be created", errno);
                }
                finally
                {
                    close(fd);
                }
            }
        }
        return (OpenBeneath(parent, O_PATH | O_DIRECTORY), name);
    }

    private int OpenBeneath(string relative, ulong flags)
    {
        var fd = TryOpenBeneath(relative, flags, out var errno);
        if (fd >= 0) return fd;
        throw errno switch
        {
            ELOOP => new IOException($"{relative} (below {Path}) is or passes through a symbolic link"),
            EXDEV => new IOException($"{relative} leaves {Path}"),
            _ => Error(relative, "cannot be opened", errno),
        };
    }

    private unsafe int TryOpenBeneath(string relative, ulong flags, out int errno)
    {
        var how = new OpenHow { Flags = flags | O_CLOEXEC, Resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS };
        var path = System.Text.Encoding.UTF8.GetBytes((relative.Length == 0 ? "." : relative) + "\0");
        fixed (byte* p = path)
        {
            var fd = (int)syscall(SYS_openat2, _fd, (nint)p, (nint)(&how), sizeof(OpenHow));
            errno = fd < 0 ? Marshal.GetLastPInvokeError() : 0;
            return fd;
        }
    }

    private static unsafe bool IsSymlink(int fd)
    {
        // readlink of an O_PATH descriptor to a link with an empty path answers its target.
        byte buffer;
        return readlinkat(fd, "", &buffer, 1) >= 0;
    }

    private Exception Error(string relative, string what, int errno) =>
        new IOException($"{relative} (below {Path}) {what}: {new Win32Exception(errno).Message}");

    private static IOException Error(string path, string what) =>
        new($"{path} {what}: {new Win32Exception(Marshal.GetLastPInvokeError()).Message}");

    [StructLayout(LayoutKind.Sequential)]
    private struct OpenHow
    {
        public ulong Flags;
        public ulong Mode;
        public ulong Resolve;
    }

    private const long SYS_openat2 = 437;
    private const ulong O_DIRECTORY = 0x10000, O_NOFOLLOW = 0x20000, O_CLOEXEC = 0x80000, O_PATH = 0x200000;
    private const ulong RESOLVE_NO_MAGICLINKS = 0x02, RESOLVE_NO_SYMLINKS = 0x04, RESOLVE_BENEATH = 0x08;
    private const int ENOENT = 2, EEXIST = 17, EXDEV = 18, EISDIR = 21, ELOOP = 40;

    [LibraryImport("libc", SetLastError = true)]
    private static partial long syscall(long number, int dirfd, nint path, nint how, nint size);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int open(string path, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int close(int fd);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int unlinkat(int dirfd, string path, int flags);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int symlinkat(string target, int dirfd, string path);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int mkdirat(int dirfd, string path, uint mode);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial nint readlinkat(int dirfd, string path, byte* buffer, nint size);
}
