using System.CommandLine;

namespace Distri.Cli.Commands;

internal static class GcCommand
{
    public static Command Create()
    {
        var command = new Command("gc", "Remove revisions nothing needs.");
        command.SetAction(_ =>
        {
            Console.Error.WriteLine("distri gc: not implemented yet");
            return 2;
        });
        return command;
    }
}
