using System.CommandLine;
using System.Diagnostics;
using Distri.Cli.Builds;
using Distri.Packages;

namespace Distri.Cli.Commands;

/// <summary>
/// <c>distri log NAME</c>: the newest build log of a package (<c>artifacts/logs/&lt;full&gt;.log</c>,
/// every step's full output) — through <c>$PAGER</c> (default <c>less</c>) on a terminal, else
/// written to stdout as it is, for pipes and scripts.
/// </summary>
internal static class LogCommand
{
    public static Command Create()
    {
        var package = new Argument<string>("package") { Description = "A package name, or its folder (pkgs/NAME)" };
        var artifacts = ArtifactsOption.Create();
        var command = new Command("log", "Show the newest build log of a package (paged on a terminal).");
        command.Arguments.Add(package);
        command.Options.Add(artifacts);
        command.SetAction(parseResult => StoreCommandLine.Run("log", () =>
        {
            var name = BuildArtifacts.PackageName(parseResult.GetValue(package)!);
            if (PackageFullName.ValidateComponent("name", name, allowDash: true) is { } invalid) throw new InvalidDataException(invalid);
            var builds = new BuildArtifacts(parseResult.GetValue(artifacts)!);
            var log = builds.NewestLog(name)
                ?? throw new FileNotFoundException($"no build log of {name} in {Path.Combine(builds.Directory, "logs")} (build it first: dotnet build pkgs/{name})");
            if (Console.IsOutputRedirected)
            {
                using var stdout = Console.OpenStandardOutput();
                using var file = File.OpenRead(log);
                file.CopyTo(stdout);
                return 0;
            }
            return Page(log);
        }));
        return command;
    }

    /// <summary>Runs the pager the user chose (<c>$PAGER</c> may carry options, so sh splits it), else less, else prints.</summary>
    private static int Page(string log)
    {
        var pager = Environment.GetEnvironmentVariable("PAGER") is { Length: > 0 } chosen ? chosen : "less";
        var info = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        foreach (var a in new[] { "-c", $"{pager} \"$1\" || {{ [ $? -eq 127 ] && cat \"$1\"; }}", "sh", log }) info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        process.WaitForExit();
        return process.ExitCode;
    }
}
