using System.CommandLine;
using Distri.Linux;
using Distri.Packages;

namespace Distri.Cli.Commands;

/// <summary>
/// `distri bump NAME… [--reverse] [-w]`: a full name is published once and never reused for other
/// contents, so a changed package (and, with --reverse, everything built against it) needs a higher
/// revision. Edits each definition's <c>&lt;Revision&gt;</c> in place, keeping every other byte. A split
/// part or a debug image has its package's revision: naming it bumps that package.
/// </summary>
internal static class BumpCommand
{
    public static Command Create()
    {
        var names = new Argument<string[]>("name") { Description = "Packages whose revision to raise", Arity = ArgumentArity.OneOrMore };
        var reverse = new Option<bool>("--reverse", "-r") { Description = "Also raise every package that depends on them, directly or not" };
        var write = new Option<bool>("--write", "-w") { Description = "Write the definitions (default: only print the changes)" };
        var packages = PackagesOption.Create();
        var command = new Command("bump", "Raise the <Revision> of packages (and their reverse dependencies) in their .distpkg files.");
        command.Arguments.Add(names);
        command.Options.Add(reverse);
        command.Options.Add(write);
        command.Options.Add(packages);
        command.SetAction(parseResult => StoreCommandLine.Run("bump", () =>
        {
            var graph = PackageGraph.Load(parseResult.GetValue(packages)!);
            var given = parseResult.GetValue(names)!;
            var unknown = given.Where(n => graph.DefinitionOf(n) is null).ToList();
            if (unknown.Count > 0) throw new InvalidDataException($"no such package in {parseResult.GetValue(packages)}: {string.Join(", ", unknown)}");
            foreach (var part in given.Where(n => graph.DefinitionOf(n) != n))
                Console.WriteLine($"{part} is part of {graph.DefinitionOf(part)}: bumping {graph.DefinitionOf(part)}");
            var wanted = given.Select(n => graph.DefinitionOf(n)!).Distinct(StringComparer.Ordinal).ToArray();
            var bumped = new SortedSet<string>(wanted, StringComparer.Ordinal);
            if (parseResult.GetValue(reverse)) bumped.UnionWith(graph.ReverseDependencies(wanted));

            // Everything is computed before anything is written: a definition that cannot be edited leaves all untouched.
            var edits = bumped.Select(name =>
            {
                var definition = graph.Packages[name];
                var text = File.ReadAllText(definition.Path);
                return (Definition: definition, Old: definition.Revision, Text: definition.WithRevision(text, definition.Revision + 1));
            }).ToList();
            foreach (var (definition, old, text) in edits)
            {
                Console.WriteLine($"{definition.Name}: revision {old} -> {old + 1} ({definition.Path})");
                if (parseResult.GetValue(write)) AtomicFile.WriteAllText(definition.Path, text);
            }
            if (!parseResult.GetValue(write)) Console.WriteLine("dry run: pass -w to write these changes");
            return 0;
        }));
        return command;
    }
}
