using System.CommandLine;

namespace Distri.Cli.Commands;

internal static class FuseCommand
{
    public static Command Create()
    {
        var command = new Command("fuse", "Mount the /ro filesystem over a package store.");
        command.SetAction(_ =>
        {
            Console.Error.WriteLine("distri fuse: not implemented yet");
            return 2;
        });
        return command;
    }
}
