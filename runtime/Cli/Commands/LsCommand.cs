using System.CommandLine;
using System.Text;
using Distri.SquashFs;

namespace Distri.Cli.Commands;

/// <summary>`distri ls IMAGE [PATH] [-R]`: a long listing of an image, like `unsquashfs -lln` without the root prefix.</summary>
internal static class LsCommand
{
    public static Command Create()
    {
        var image = new Argument<string>("IMAGE") { Description = "The SquashFS image." };
        var path = new Argument<string>("PATH") { Description = "A path inside the image (default: the root).", DefaultValueFactory = _ => "/" };
        var recursive = new Option<bool>("--recursive", "-R") { Description = "List subdirectories recursively." };
        var command = new Command("ls", "List the entries of an image.");
        command.Arguments.Add(image);
        command.Arguments.Add(path);
        command.Options.Add(recursive);
        command.SetAction(parseResult =>
        {
            var imagePath = parseResult.GetValue(image)!;
            var inner = parseResult.GetValue(path)!;
            using var output = new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false), 1 << 16);
            try
            {
                using var squashfs = SquashFsImage.Open(imagePath);
                var inode = squashfs.Lookup(inner);
                if (inode is null)
                {
                    Console.Error.WriteLine($"distri ls: {inner}: no such file or directory in {imagePath}");
                    return 1;
                }
                if (inode.Type != SquashFsEntryType.Directory)
                {
                    WriteLine(output, squashfs, inode, EscapeName(Encoding.UTF8.GetBytes(inner.TrimStart('/'))));
                    return 0;
                }
                List(output, squashfs, inode, "", parseResult.GetValue(recursive), []);
                return 0;
            }
            catch (Exception e) when (e is SquashFsException or IOException or UnauthorizedAccessException)
            {
                output.Flush();
                Console.Error.WriteLine($"distri ls: {imagePath}: {e.Message}");
                return 1;
            }
        });
        return command;
    }

    private static void List(TextWriter output, SquashFsImage image, SquashFsInode directory, string prefix, bool recursive, HashSet<long> ancestors)
    {
        // A corrupt image can make a directory its own descendant: refuse rather than recurse forever.
        if (!ancestors.Add(directory.InodeReference))
            throw new SquashFsException($"corrupt image: directory loop at '{prefix.TrimEnd('/')}'");
        foreach (var entry in image.ReadDirectoryRaw(directory))
        {
            var inode = image.GetInode(entry);
            var relative = prefix + EscapeName(entry.Name);
            WriteLine(output, image, inode, relative);
            if (recursive && inode.Type == SquashFsEntryType.Directory)
                List(output, image, inode, relative + "/", recursive, ancestors);
        }
        ancestors.Remove(directory.InodeReference);
    }

    private static void WriteLine(TextWriter output, SquashFsImage image, SquashFsInode inode, string name)
    {
        var size = inode.Type is SquashFsEntryType.BlockDevice or SquashFsEntryType.CharDevice
            ? $"{Major(inode.DeviceNumber)},{Minor(inode.DeviceNumber),4}"
            : inode.Size.ToString();
        var mtime = DateTimeOffset.FromUnixTimeSeconds(inode.ModificationTime).UtcDateTime;
        output.Write($"{ModeString(inode)} {inode.Uid}/{inode.Gid} {size,10} {mtime:yyyy-MM-dd HH:mm} {name}");
        if (inode.Type == SquashFsEntryType.Symlink) output.Write($" -> {EscapeName(image.ReadLinkBytes(inode).Span)}");
        output.Write('\n');
    }

    /// <summary>
    /// A name (or link target) made safe for one line of a listing, like <c>ls -b</c>: a backslash
    /// is doubled, \n \t \r and other control characters become C escapes, and bytes that are not
    /// UTF-8 become octal escapes (\377), so every line is one entry and the bytes can be recovered.
    /// </summary>
    public static string EscapeName(ReadOnlySpan<byte> name)
    {
        var s = new StringBuilder(name.Length);
        while (!name.IsEmpty)
        {
            if (Rune.DecodeFromUtf8(name, out var rune, out var used) != System.Buffers.OperationStatus.Done)
            {
                AppendOctal(s, name[0]);
                name = name[1..];
                continue;
            }
            switch (rune.Value)
            {
                case '\\': s.Append(@"\\"); break;
                case '\n': s.Append(@"\n"); break;
                case '\t': s.Append(@"\t"); break;
                case '\r': s.Append(@"\r"); break;
                default:
                    if (Rune.IsControl(rune))
                    {
                        foreach (var b in name[..used]) AppendOctal(s, b);
                    }
                    else
                    {
                        s.Append(rune.ToString());
                    }
                    break;
            }
            name = name[used..];
        }
        return s.ToString();
    }

    private static void AppendOctal(StringBuilder s, byte b) =>
        s.Append('\\').Append((char)('0' + (b >> 6))).Append((char)('0' + ((b >> 3) & 7))).Append((char)('0' + (b & 7)));

    // The kernel's old_decode_dev/new_decode_dev split of a 32-bit device number, as squashfs stores it.
    private static uint Major(uint device) => (device >> 8) & 0xFFF;
    private static uint Minor(uint device) => (device & 0xFF) | ((device >> 12) & 0xFFF00);

    /// <summary>"drwxr-xr-x" with s/S and t/T for setuid, setgid and sticky, as ls prints it.</summary>
    public static string ModeString(SquashFsInode inode)
    {
        Span<char> s = stackalloc char[10];
        s[0] = inode.Type switch
        {
            SquashFsEntryType.Directory => 'd',
            SquashFsEntryType.Symlink => 'l',
            SquashFsEntryType.BlockDevice => 'b',
            SquashFsEntryType.CharDevice => 'c',
            SquashFsEntryType.Fifo => 'p',
            SquashFsEntryType.Socket => 's',
            _ => '-',
        };
        var p = inode.Permissions;
        for (var i = 0; i < 3; i++)
        {
            var bits = (p >> (6 - 3 * i)) & 7;
            s[1 + 3 * i] = (bits & 4) != 0 ? 'r' : '-';
            s[2 + 3 * i] = (bits & 2) != 0 ? 'w' : '-';
            var special = (p & (0x800 >> i)) != 0; // setuid, setgid, sticky
            var execute = (bits & 1) != 0;
            s[3 + 3 * i] = special ? (i == 2 ? (execute ? 't' : 'T') : (execute ? 's' : 'S')) : (execute ? 'x' : '-');
        }
        return new string(s);
    }
}
