using System.CommandLine;

namespace Distri.Cli.Commands;

internal static class InstallCommand
{
    public static Command Create()
    {
        var command = new Command("install", "Install packages and their runtime closure into the store.");
        command.SetAction(_ =>
        {
            Console.Error.WriteLine("distri install: not implemented yet");
            return 2;
        });
        return command;
    }
}
