using System.CommandLine;
using Distri.SquashFs;

namespace Distri.Cli.Commands;

/// <summary>`distri cat IMAGE PATH`: the raw bytes of one file of an image on stdout (symlinks followed).</summary>
internal static class CatCommand
{
    public static Command Create()
    {
        var image = new Argument<string>("IMAGE") { Description = "The SquashFS image." };
        var path = new Argument<string>("PATH") { Description = "A file inside the image." };
        var command = new Command("cat", "Print a file of an image.");
        command.Arguments.Add(image);
        command.Arguments.Add(path);
        command.SetAction(parseResult =>
        {
            var imagePath = parseResult.GetValue(image)!;
            var inner = parseResult.GetValue(path)!;
            try
            {
                using var squashfs = SquashFsImage.Open(imagePath);
                var inode = squashfs.Lookup(inner, followSymlinks: true);
                if (inode is null)
                {
                    Console.Error.WriteLine($"distri cat: {inner}: no such file or directory in {imagePath}");
                    return 1;
                }
                if (inode.Type != SquashFsEntryType.File)
                {
                    Console.Error.WriteLine($"distri cat: {inner}: is a {inode.Type.ToString().ToLowerInvariant()}, not a regular file");
                    return 1;
                }
                using var stdout = Console.OpenStandardOutput();
                var buffer = new byte[1 << 20];
                long offset = 0;
                int n;
                while ((n = squashfs.Read(inode, offset, buffer)) > 0)
                {
                    stdout.Write(buffer, 0, n);
                    offset += n;
                }
                return 0;
            }
            catch (Exception e) when (e is SquashFsException or IOException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"distri cat: {imagePath}: {e.Message}");
                return 1;
            }
        });
        return command;
    }
}
