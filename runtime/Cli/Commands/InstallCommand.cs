using System.CommandLine;
using Distri.Fuse.Control;
using Distri.Store;
using Distri.Store.Install;
using Distri.Store.Repositories;
using Spectre.Console;

namespace Distri.Cli.Commands;

internal static class InstallCommand
{
    public static Command Create()
    {
        var names = new Argument<string[]>("package") { Arity = ArgumentArity.OneOrMore, Description = "zsh, zsh-amd64 (newest) or zsh-amd64-5.9-1 (exact)" };
        var options = new StoreCommandLine();
        var command = new Command("install", "Install packages and their runtime closure into the store.");
        command.Arguments.Add(names);
        options.AddTo(command, withRepositories: true);
        command.SetAction((parseResult, cancellationToken) => StoreCommandLine.RunAsync("install", async () =>
        {
            var store = new PackageStore(options.Root(parseResult));
            using var storeLock = await store.LockAsync(Console.Error.WriteLine, cancellationToken);
            var catalog = await options.LoadCatalogAsync(parseResult, store, cancellationToken);
            var plan = InstallPlan.Create(store, catalog, parseResult.GetValue(names)!);
            return await StoreCommandLine.InstallAsync("install", store, plan, options.Jobs(parseResult), cancellationToken);
        }));
        return command;
    }
}
