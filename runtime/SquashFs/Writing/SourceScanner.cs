using System.IO.Enumeration;
using System.Text;
using Distri.Linux;
using Distri.SquashFs.Format;

namespace Distri.SquashFs.Writing;

/// <summary>
/// Reads the source tree's metadata with lstat only, so no symlink is ever followed and nothing
/// outside the root is reached; refuses what the image cannot or may not hold.
/// </summary>
internal sealed class SourceScanner(SquashFsWriterOptions options, IdTable ids, XattrTable xattrs,
    (uint DevMajor, uint DevMinor, ulong Ino)? exclude)
{
    private readonly Dictionary<(uint, uint, ulong), ImageInode> _hardLinks = [];
    private static readonly EnumerationOptions ListOptions = new()
    {
        AttributesToSkip = 0, // the default skips dot files ("hidden") on Unix
        IgnoreInaccessible = false,
        RecurseSubdirectories = false,
        ReturnSpecialDirectories = false,
    };

    /// <summary>Distinct inodes found (hard links counted once).</summary>
    public uint InodeCount { get; private set; }

    public SourceNode ScanRoot(string root)
    {
        var rc = LibC.LStat(root, out var st);
        if (rc == 0 && st.FileType == LibC.S_IFLNK && !options.FollowRootSymlink)
            throw new SquashFsException($"the image root '{root}' is a symbolic link; an image is made of a real directory only");
        if (rc == 0 && st.FileType == LibC.S_IFLNK)
        {
            // The root itself may be a symlink to a directory: it is followed, nothing below it is.
            root = new DirectoryInfo(root).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? root;
            rc = LibC.LStat(root, out st);
        }
        if (rc != 0 || st.FileType != LibC.S_IFDIR)
            throw new DirectoryNotFoundException($"source directory '{root}' does not exist or is not a directory");
        var node = new SourceNode([], CreateInode(root, st));
        ScanDirectory(root, "", node);
        return node;
    }

    private static List<(byte[] Bytes, string Name)> List(string path)
    {
        var names = new List<(byte[] Bytes, string Name)>();
        try
        {
            foreach (var name in new FileSystemEnumerable<string>(path, (ref FileSystemEntry e) => e.FileName.ToString(), ListOptions))
                names.Add((Encoding.UTF8.GetBytes(name), name));
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw new IOException($"cannot list '{path}': {e.Message}", e);
        }
        return names;
    }

    private static Statx LStat(string path, string name)
    {
        var rc = LibC.LStat(path, out var st);
        if (rc == LibC.ENOENT && name.Contains('\uFFFD'))
            throw new SquashFsException($"'{path}': the name is not valid UTF-8");
        if (rc != 0)
            throw new IOException($"lstat '{path}': {System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(rc)}");
        return st;
    }

    /// <summary>Whether <see cref="SquashFsWriterOptions.Include"/> keeps the entry: a directory also when anything below it is kept.</summary>
    private static bool Keeps(Func<string, bool, bool> include, string path, string relative, bool isDirectory)
    {
        if (include(relative, isDirectory)) return true;
        if (!isDirectory) return false;
        foreach (var (_, name) in List(path))
        {
            var childPath = Path.Combine(path, name);
            if (Keeps(include, childPath, relative + "/" + name, LStat(childPath, name).FileType == LibC.S_IFDIR)) return true;
        }
        return false;
    }

    private void ScanDirectory(string path, string relative, SourceNode directory)
    {
        var names = List(path);
        names.Sort((a, b) => a.Bytes.AsSpan().SequenceCompareTo(b.Bytes));

        var children = new List<SourceNode>(names.Count);
        foreach (var (bytes, name) in names)
        {
            var childPath = Path.Combine(path, name);
            var childRelative = relative.Length == 0 ? name : relative + "/" + name;
            ValidateName(bytes, childPath);
            var st = LStat(childPath, name);
            if (exclude == (st.DevMajor, st.DevMinor, st.Ino))
                continue; // the image being written, when it is inside the source tree
            if (options.Include is { } include && !Keeps(include, childPath, childRelative, st.FileType == LibC.S_IFDIR))
                continue;

            SourceNode child;
            if (st.FileType != LibC.S_IFDIR && st.NLink > 1 && _hardLinks.TryGetValue((st.DevMajor, st.DevMinor, st.Ino), out var linked))
            {
                linked.LinkCount++;
                child = new SourceNode(bytes, linked);
            }
            else
            {
                child = new SourceNode(bytes, CreateInode(childPath, st));
                if (st.FileType != LibC.S_IFDIR && st.NLink > 1) _hardLinks.Add((st.DevMajor, st.DevMinor, st.Ino), child.Inode);
            }
            children.Add(child);
            if (st.FileType == LibC.S_IFDIR)
            {
                directory.Inode.SubdirectoryCount++;
                ScanDirectory(childPath, childRelative, child);
            }
        }
        directory.Children = children;
    }

    private ImageInode CreateInode(string path, in Statx st)
    {
        var type = st.FileType switch
        {
            LibC.S_IFDIR => SquashFsEntryType.Directory,
            LibC.S_IFREG => SquashFsEntryType.File,
            LibC.S_IFLNK => SquashFsEntryType.Symlink,
            LibC.S_IFBLK => SquashFsEntryType.BlockDevice,
            LibC.S_IFCHR => SquashFsEntryType.CharDevice,
            LibC.S_IFIFO => SquashFsEntryType.Fifo,
            LibC.S_IFSOCK => SquashFsEntryType.Socket,
            _ => throw new SquashFsException($"'{path}': unknown file type {st.Mode:x}"),
        };
        if (type is SquashFsEntryType.BlockDevice or SquashFsEntryType.CharDevice or SquashFsEntryType.Fifo or SquashFsEntryType.Socket
            && !options.AllowSpecialFiles)
            throw new SquashFsException($"'{path}' is a {DescribeSpecial(type)}; special files are refused unless allowed explicitly");

        byte[]? target = null;
        if (type == SquashFsEntryType.Symlink)
        {
            target = LibC.ReadLink(path);
            if (target.Length == 0) throw new SquashFsException($"'{path}': empty symlink target");
        }

        InodeCount++;
        return new ImageInode
        {
            Type = type,
            Permissions = (ushort)(st.Mode & 0xFFF),
            UidIndex = ids.IndexOf(options.Uid ?? st.Uid, path),
            GidIndex = ids.IndexOf(options.Gid ?? st.Gid, path),
            Mtime = options.Mtime ?? (uint)Math.Clamp(st.MtimeSeconds, 0, uint.MaxValue),
            XattrId = xattrs.Add(path),
            SourceId = (st.DevMajor, st.DevMinor, st.Ino),
            Size = type == SquashFsEntryType.File ? st.Size : 0,
            Rdev = (st.RdevMinor & 0xFF) | (st.RdevMajor << 8) | ((st.RdevMinor & ~0xFFu) << 12),
            SymlinkTarget = target,
        };
    }

    private static string DescribeSpecial(SquashFsEntryType type) => type switch
    {
        SquashFsEntryType.BlockDevice => "block device",
        SquashFsEntryType.CharDevice => "character device",
        SquashFsEntryType.Fifo => "fifo",
        _ => "socket",
    };

    /// <summary>Refuses a name the image may not hold: empty, '.', '..', containing '/' or NUL, or too long.</summary>
    internal static void ValidateName(ReadOnlySpan<byte> name, string path)
    {
        if (name.IsEmpty || name.SequenceEqual("."u8) || name.SequenceEqual(".."u8))
            throw new SquashFsException($"'{path}': the name '{Encoding.UTF8.GetString(name)}' is not allowed in an image");
        if (name.IndexOfAny((byte)'/', (byte)0) >= 0)
            throw new SquashFsException($"'{path}': a name may not contain '/' or NUL");
        if (name.Length > SquashFsFormat.MaxNameLength)
            throw new SquashFsException($"'{path}': the name is {name.Length} bytes; SquashFS allows at most {SquashFsFormat.MaxNameLength}");
    }
}
