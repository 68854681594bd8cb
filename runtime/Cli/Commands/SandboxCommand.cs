using System.CommandLine;

namespace Distri.Cli.Commands;

internal static class SandboxCommand
{
    public static Command Create()
    {
        var command = new Command("sandbox", "Run a command in a build environment: a filtered /ro and fresh namespaces.");
        command.SetAction(_ =>
        {
            Console.Error.WriteLine("distri sandbox: not implemented yet");
            return 2;
        });
        return command;
    }
}
