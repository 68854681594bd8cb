using System.CommandLine;
using Distri.Fuse;
using Distri.Packages;

namespace Distri.Cli.Commands;

internal static class FuseCommand
{
    public static Command Create()
    {
        var store = new Option<string>("--store") { Description = "The package store to serve.", DefaultValueFactory = _ => "/roimg" };
        var packages = new Option<string[]>("--pkgs")
        {
            Description = "Show only these packages (full names, comma-separated; may repeat).",
            AllowMultipleArgumentsPerToken = false,
        };
        var extraDirectories = new Option<string[]>("--extra-dir")
        {
            Description = "Show /ro/NAME as an extra empty directory (a build binds its destination over it). May repeat.",
        };
        var readyFd = new Option<int?>("--ready-fd") { Description = "Also write \"ready\" to this file descriptor once mounted." };
        var mountPoint = new Argument<string>("MOUNTPOINT") { Description = "Where to mount.", DefaultValueFactory = _ => "/ro" };

        var command = new Command("fuse", "Mount the /ro filesystem over a package store (foreground; prints \"ready\" when mounted).");
        command.Options.Add(store);
        command.Options.Add(packages);
        command.Options.Add(extraDirectories);
        command.Options.Add(readyFd);
        command.Arguments.Add(mountPoint);
        command.SetAction(parseResult =>
        {
            HashSet<string>? only = null;
            if (parseResult.GetValue(packages) is { Length: > 0 } lists)
            {
                only = new HashSet<string>(StringComparer.Ordinal);
                foreach (var name in lists.SelectMany(l => l.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
                {
                    if (!PackageFullName.TryParse(name, out _, out var error))
                        return Fail($"--pkgs: {error}");
                    only.Add(name);
                }
            }
            var extras = parseResult.GetValue(extraDirectories) ?? [];
            foreach (var extra in extras)
            {
                if (extra.Length == 0 || extra is "." or ".." || extra.Contains('/') || extra.Contains('\0'))
                    return Fail($"--extra-dir: '{extra}' is not a single directory name");
                if (RoDaemon.ExchangeDirectories.Contains(extra, StringComparer.Ordinal))
                    return Fail($"--extra-dir: '{extra}' is an exchange directory");
            }
            var options = new RoDaemonOptions
            {
                StoreDirectory = parseResult.GetValue(store)!,
                MountPoint = parseResult.GetValue(mountPoint)!,
                Packages = only,
                ExtraDirectories = extras,
                ReadyFd = parseResult.GetValue(readyFd),
            };
            return RoDaemon.Run(options, Console.Out, Console.Error);
        });
        return command;
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine("distri fuse: " + message);
        return 2;
    }
}
