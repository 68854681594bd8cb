using System.CommandLine;

namespace Distri.Cli.Commands;

internal static class MkImageCommand
{
    public static Command Create()
    {
        var command = new Command("mkimage", "Write a directory tree as a SquashFS image.");
        command.SetAction(_ =>
        {
            Console.Error.WriteLine("distri mkimage: not implemented yet");
            return 2;
        });
        return command;
    }
}
