using System.CommandLine;

namespace Distri.Cli.Commands;

/// <summary>
/// <c>--artifacts DIR</c> for the commands that read what builds left (log, shell) or fill the
/// source cache (new): by default the nearest <c>artifacts/</c> at or above the current directory.
/// </summary>
internal static class ArtifactsOption
{
    public static Option<string> Create() => new("--artifacts")
    {
        Description = "The build artifacts directory (build/, logs/, sources/); default: the nearest artifacts/ at or above the current directory",
        DefaultValueFactory = _ => NearestDirectory.Find(Environment.CurrentDirectory, "artifacts"),
    };
}
