using System.CommandLine;
using Distri.Cli.Ci;
using Distri.Packages;

namespace Distri.Cli.Commands;

/// <summary>`distri ci github|gitlab`: writes the CI pipeline for the package graph (see <see cref="Pipelines"/>).</summary>
internal static class CiCommand
{
    public static Command Create()
    {
        var engine = new Argument<string>("engine") { Description = "github (Actions workflow) or gitlab (.gitlab-ci.yml)" };
        engine.AcceptOnlyFromAmong("github", "gitlab");
        var cache = new Option<string>("--cache") { Description = "The build cache's URL, written into the pipeline; default: the engine's variable DISTRI_CACHE" };
        var runner = new Option<string>("--runner") { Description = "Runner label (GitHub runs-on, GitLab tags)" };
        var output = new Option<string>("--output", "-o") { Description = "Write the pipeline here instead of standard output" };
        var packages = PackagesOption.Create();
        var command = new Command("ci", "Write a CI pipeline (GitHub Actions or GitLab CI) that builds every package against the shared build cache.");
        command.Arguments.Add(engine);
        command.Options.Add(cache);
        command.Options.Add(runner);
        command.Options.Add(output);
        command.Options.Add(packages);
        command.SetAction(parseResult => StoreCommandLine.Run("ci", () =>
        {
            var graph = PackageGraph.Load(parseResult.GetValue(packages)!);
            var github = parseResult.GetValue(engine) == "github";
            var options = new PipelineOptions(
                parseResult.GetValue(cache) ?? (github ? "${{ vars.DISTRI_CACHE }}" : "$DISTRI_CACHE"),
                parseResult.GetValue(runner));
            var text = github ? Pipelines.GitHub(graph, options) : Pipelines.GitLab(graph, options);
            if (parseResult.GetValue(output) is { } path) File.WriteAllText(path, text);
            else Console.Write(text);
            return 0;
        }));
        return command;
    }
}
