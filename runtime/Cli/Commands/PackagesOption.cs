using System.CommandLine;

namespace Distri.Cli.Commands;

/// <summary>
/// <c>--pkgs DIR</c> for the commands that read package definitions (bump, ci): by default the
/// nearest <c>pkgs/</c> at or above the current directory, so they work anywhere in a checkout.
/// </summary>
internal static class PackagesOption
{
    public static Option<string> Create() => new("--pkgs")
    {
        Description = "The packages directory (pkgs/<name>/<name>.distpkg); default: the nearest pkgs/ at or above the current directory",
        DefaultValueFactory = _ => NearestDirectory.Find(Environment.CurrentDirectory, "pkgs"),
    };
}
