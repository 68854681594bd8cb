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
            var update = Updater.Plan(store, catalog);
            foreach (var warning in update.Warnings) Console.Error.WriteLine($"distri update: warning: {warning}");
            return await StoreCommandLine.InstallAsync("update", store, update.Plan, options.Jobs(parseResult), cancellationToken);
        }));
        return command;
    }
}
