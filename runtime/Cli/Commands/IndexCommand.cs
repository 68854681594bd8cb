using System.CommandLine;
using Distri.Export;
using Distri.Packages;

namespace Distri.Cli.Commands;

internal static class IndexCommand
{
    public static Command Create()
    {
        var directory = new Argument<string>("dir") { Description = "A repository (with pkg/), a root (with roimg/) or a package directory" };
        var command = new Command("index", "Rebuild a repository's index.yaml from its metas.");
        command.Arguments.Add(directory);
        command.SetAction(parseResult => StoreCommandLine.Run("index", () =>
        {
            var packageDirectory = RepositoryDirectory.ResolvePackageDirectory(parseResult.GetValue(directory)!);
            var result = RepositoryIndexBuilder.Write(packageDirectory);
            foreach (var skipped in result.Skipped) Console.Error.WriteLine($"distri index: skipped {skipped}");
            Console.WriteLine($"{Path.Combine(packageDirectory, RepositoryIndex.FileName)}: {result.Index.Packages.Count} packages");
            return 0;
        }));
        return command;
    }
}
