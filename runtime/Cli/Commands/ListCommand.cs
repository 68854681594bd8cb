using System.CommandLine;

namespace Distri.Cli.Commands;

internal static class ListCommand
{
    public static Command Create()
    {
        var command = new Command("list", "List installed packages.");
        command.SetAction(_ =>
        {
            Console.Error.WriteLine("distri list: not implemented yet");
            return 2;
        });
        return command;
    }
}
