using System.CommandLine;

namespace Distri.Cli.Commands;

internal static class LsCommand
{
    public static Command Create()
    {
        var command = new Command("ls", "List the entries of an image.");
        command.SetAction(_ =>
        {
            Console.Error.WriteLine("distri ls: not implemented yet");
            return 2;
        });
        return command;
    }
}
