using System.CommandLine;
using Distri.Fuse;
using Distri.Fuse.Views;
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
        var views = new Option<string?>("--views")
        {
            Description = "Run the view daemon of build environments in DIR instead (builds register their views over its socket; docs/build-environments.md).",
            HelpName = "DIR",
        };
        var idleExit = new Option<long>("--idle-exit-ms") { Description = "With --views: exit after this long with no view registered.", DefaultValueFactory = _ => 600_000 };
        var mountPoint = new Argument<string>("MOUNTPOINT") { Description = "Where to mount.", DefaultValueFactory = _ => "/ro" };

        var command = new Command("fuse", "Mount the /ro filesystem over a package store (foreground; prints \"ready\" when mounted).");
        command.Options.Add(store);
        command.Options.Add(packages);
        command.Options.Add(extraDirectories);
        command.Options.Add(readyFd);
        command.Options.Add(views);
        command.Options.Add(idleExit);
        command.Arguments.Add(mountPoint);
        command.SetAction(parseResult =>
        {
            if (parseResult.GetValue(views) is { } viewDirectory)
            {
                return ViewDaemon.Run(new ViewDaemonOptions
                {
                    Directory = viewDirectory,
                    IdleExit = TimeSpan.FromMilliseconds(Math.Max(0, parseResult.GetValue(idleExit))),
                }, Console.Out, Console.Error);
            }
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
