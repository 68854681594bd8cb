using System.CommandLine;

namespace Distri.Cli.Commands;

internal static class CatCommand
{
    public static Command Create()
    {
        var command = new Command("cat", "Print a file of an image.");
        command.SetAction(_ =>
        {
            Console.Error.WriteLine("distri cat: not implemented yet");
            return 2;
        });
        return command;
    }
}
