using System.CommandLine;
using Distri.Store;
using Distri.Store.Install;

namespace Distri.Cli.Commands;

internal static class UpdateCommand
{
    public static Command Create()
    {
        var options = new StoreCommandLine();
        var command = new Command("update", "Install the newest revision of every installed package (old revisions stay until gc).");
        options.AddTo(command, withRepositories: true);
        command.SetAction((parseResult, cancellationToken) => StoreCommandLine.RunAsync("update", async () =>
        {
            var store = new PackageStore(options.Root(parseResult));
            using var storeLock = await store.LockAsync(Console.Error.WriteLine, cancellationToken);
            var catalog = await options.LoadCatalogAsync(parseResult, store, cancellationToken);
            var plan = Updater.Plan(store, catalog);
            return await StoreCommandLine.InstallAsync("update", store, plan, options.Jobs(parseResult), cancellationToken);
        }));
        return command;
    }
}
