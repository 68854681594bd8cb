using System.CommandLine;
using Distri.Cli.Scaffold;

namespace Distri.Cli.Commands;

/// <summary>
/// <c>distri new NAME [--debian SOURCE[=VERSION]] [--url URL] [--version V]</c>: a new package
/// folder, <c>pkgs/NAME/</c> with its definition and solution, from its upstream tarball
/// (<see cref="PackageCreator"/>).
/// </summary>
internal static class NewCommand
{
    public static Command Create()
    {
        var name = new Argument<string>("name") { Description = "The package's name (its folder under pkgs/)" };
        var debian = new Option<string?>("--debian") { Description = "Fetch the source from Debian's source archive: SOURCE or SOURCE=VERSION (apt-get source)" };
        var url = new Option<string?>("--url") { Description = "Fetch the source from its upstream URL (http, https or file)" };
        var version = new Option<string?>("--version") { Description = "The package's version (default: from the tarball's name or the Debian version)" };
        var packages = PackagesOption.Create();
        var artifacts = ArtifactsOption.Create();
        var command = new Command("new", "Write pkgs/NAME/NAME.distpkg (and NAME.slnx) from a package's upstream tarball: its sha256, its builder.");
        command.Arguments.Add(name);
        command.Options.Add(debian);
        command.Options.Add(url);
        command.Options.Add(version);
        command.Options.Add(packages);
        command.Options.Add(artifacts);
        command.SetAction(parseResult => StoreCommandLine.Run("new", () =>
        {
            var packagesDirectory = Path.GetFullPath(parseResult.GetValue(packages)!);
            // The cache builds of these packages read: the artifacts beside pkgs/ unless told otherwise.
            var artifactsDirectory = parseResult.GetResult(artifacts) is { Implicit: false }
                ? parseResult.GetValue(artifacts)!
                : Path.Combine(Path.GetDirectoryName(packagesDirectory.TrimEnd('/'))!, "artifacts");
            var creator = new PackageCreator(packagesDirectory)
            {
                SourceCacheDirectory = Path.Combine(artifactsDirectory, "sources"),
                Progress = Console.Error,
            };
            var created = creator.Create(parseResult.GetValue(name)!, parseResult.GetValue(url), parseResult.GetValue(debian), parseResult.GetValue(version));
            var build = created.Definition.Build;
            Console.WriteLine($"wrote {created.DefinitionPath} ({build.Builder}{(build.BuildFile is { } file ? ": " + file : "")}) and {Path.GetFileName(created.SolutionPath)}");
            Console.WriteLine($"next: declare its dependencies there, then: dotnet build {Path.GetDirectoryName(created.DefinitionPath)}");
            return 0;
        }));
        return command;
    }
}
