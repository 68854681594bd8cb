using System.CommandLine;
using Distri.SquashFs;

namespace Distri.Cli.Commands;

/// <summary><c>distri mkimage SOURCE_DIR IMAGE [--mtime EPOCH]</c>: a directory tree as a SquashFS image.</summary>
internal static class MkImageCommand
{
    public static Command Create()
    {
        var source = new Argument<string>("SOURCE_DIR") { Description = "The directory tree to store." };
        var image = new Argument<string>("IMAGE") { Description = "The image file to write (replaced atomically)." };
        var mtime = new Option<uint?>("--mtime") { Description = "Store this time (seconds since the epoch) as every entry's mtime." };
        var command = new Command("mkimage", "Write a directory tree as a SquashFS image (uncompressed, reproducible).");
        command.Arguments.Add(source);
        command.Arguments.Add(image);
        command.Options.Add(mtime);
        command.SetAction(parseResult =>
        {
            try
            {
                var options = new SquashFsWriterOptions { Mtime = parseResult.GetValue(mtime) };
                SquashFsWriter.Write(parseResult.GetValue(source)!, parseResult.GetValue(image)!, options);
                return 0;
            }
            catch (Exception e) when (e is SquashFsException or IOException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"distri mkimage: {e.Message}");
                return 1;
            }
        });
        return command;
    }
}
