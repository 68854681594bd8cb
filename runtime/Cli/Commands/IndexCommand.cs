using System.CommandLine;

namespace Distri.Cli.Commands;

internal static class IndexCommand
{
    public static Command Create()
    {
        var command = new Command("index", "Rebuild a repository's index from its metas.");
        command.SetAction(_ =>
        {
            Console.Error.WriteLine("distri index: not implemented yet");
            return 2;
        });
        return command;
    }
}
