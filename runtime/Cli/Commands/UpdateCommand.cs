using System.CommandLine;

namespace Distri.Cli.Commands;

internal static class UpdateCommand
{
    public static Command Create()
    {
        var command = new Command("update", "Update installed packages to their newest revisions.");
        command.SetAction(_ =>
        {
            Console.Error.WriteLine("distri update: not implemented yet");
            return 2;
        });
        return command;
    }
}
