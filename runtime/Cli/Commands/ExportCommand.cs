using System.CommandLine;

namespace Distri.Cli.Commands;

internal static class ExportCommand
{
    public static Command Create()
    {
        var command = new Command("export", "Serve a repository over HTTP.");
        command.SetAction(_ =>
        {
            Console.Error.WriteLine("distri export: not implemented yet");
            return 2;
        });
        return command;
    }
}
