using System.CommandLine;
using Distri.Fuse.Control;
using Distri.Store;
using Distri.Store.Gc;

namespace Distri.Cli.Commands;

internal static class GcCommand
{
    public static Command Create()
    {
        var options = new StoreCommandLine();
        var dryRun = new Option<bool>("--dry-run", "-n") { Description = "Print what would be removed, remove nothing" };
        var command = new Command("gc", "Remove package revisions that are neither the newest nor needed by a kept package.");
        options.AddTo(command, withRepositories: false);
        command.Options.Add(dryRun);
        command.SetAction((parseResult, cancellationToken) => StoreCommandLine.RunAsync("gc", async () =>
        {
            var store = new PackageStore(options.Root(parseResult));
            using var storeLock = await store.LockAsync(Console.Error.WriteLine, cancellationToken);
            var plan = GarbageCollector.Compute(store);
            var prefix = parseResult.GetValue(dryRun) ? "would remove" : "removing";
            foreach (var name in plan.Remove) Console.WriteLine($"{prefix} {name}");
            foreach (var name in plan.OrphanMetas) Console.WriteLine($"{prefix} {name}.meta.yaml (interrupted install)");
            if (parseResult.GetValue(dryRun)) return 0;
            GarbageCollector.Apply(store, plan);
            Console.WriteLine($"removed {plan.Remove.Count} packages, kept {plan.Keep.Count}");
            if (plan.Remove.Count > 0) await FuseControl.RescanAllAsync(store.Directory, TimeSpan.FromSeconds(30), cancellationToken);
            return 0;
        }));
        return command;
    }
}
