using System.CommandLine;
using Distri.Fuse.Control;
using Distri.Store;
using Distri.Store.Install;
using Distri.Store.Repositories;
using Spectre.Console;

namespace Distri.Cli.Commands;

/// <summary>Options and output shared by install, update, gc and list.</summary>
internal sealed class StoreCommandLine
{
    private readonly Option<string> _root = new("--root") { Description = "Root whose store (<root>/roimg) and configuration (<root>/etc/distri) to use", DefaultValueFactory = _ => "/" };
    private readonly Option<string[]> _repositories = new("--repo") { Description = "Repository base URL or path (repeatable), in addition to <root>/etc/distri/repos.d/*.repo", AllowMultipleArgumentsPerToken = false };
    private readonly Option<int> _jobs = new("--jobs", "-j") { Description = "Concurrent downloads", DefaultValueFactory = _ => 16 };

    public void AddTo(Command command, bool withRepositories)
    {
        command.Options.Add(_root);
        if (!withRepositories) return;
        command.Options.Add(_repositories);
        command.Options.Add(_jobs);
    }

    public string Root(ParseResult parseResult) => parseResult.GetValue(_root)!;

    public int Jobs(ParseResult parseResult) => Math.Clamp(parseResult.GetValue(_jobs), 1, 256);

    public async Task<PackageCatalog> LoadCatalogAsync(ParseResult parseResult, PackageStore store, CancellationToken cancellationToken)
    {
        var client = HttpRepository.CreateClient(Jobs(parseResult));
        var locations = RepositoryConfiguration.Locations(store.Root, parseResult.GetValue(_repositories) ?? []);
        var catalog = await PackageCatalog.LoadAsync(locations.Select(l => Repository.Create(l, client)).ToList(), cancellationToken);
        foreach (var warning in catalog.Warnings) Console.Error.WriteLine($"distri: warning: {warning}");
        return catalog;
    }

    /// <summary>Expected failures print one message and exit 1; no stack traces.</summary>
    public static int Run(string verb, Func<int> action) => RunAsync(verb, () => Task.FromResult(action())).GetAwaiter().GetResult();

    /// <inheritdoc cref="Run"/>
    public static async Task<int> RunAsync(string verb, Func<Task<int>> action)
    {
        try
        {
            return await action();
        }
        catch (Exception e) when (e is StoreException or IOException or UnauthorizedAccessException or TimeoutException or InvalidDataException)
        {
            Console.Error.WriteLine($"distri {verb}: {e.Message}");
            return 1;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine($"distri {verb}: cancelled");
            return 130;
        }
    }

    /// <summary>Runs the install engine with progress bars on a terminal, prints failures and the summary, tells /ro.</summary>
    public static async Task<int> InstallAsync(string verb, PackageStore store, InstallPlan plan, int jobs, CancellationToken cancellationToken)
    {
        var installer = new Installer(store) { MaxConcurrentDownloads = jobs };
        var progress = new InstallProgress();
        InstallResult result;
        if (plan.Packages.Count > 0 && !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive)
        {
            result = await AnsiConsole.Progress()
                .AutoClear(true)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new DownloadedColumn(), new TransferSpeedColumn(), new RemainingTimeColumn())
                .StartAsync(async context =>
                {
                    var total = context.AddTask($"{plan.Packages.Count} packages", maxValue: Math.Max(1, plan.TotalBytes));
                    var install = installer.InstallAsync(plan, progress, cancellationToken);
                    while (!install.IsCompleted)
                    {
                        total.Value = progress.TotalBytes;
                        await Task.WhenAny(install, Task.Delay(100, cancellationToken));
                    }
                    total.Value = total.MaxValue;
                    return await install;
                });
        }
        else
        {
            result = await installer.InstallAsync(plan, progress, cancellationToken);
        }

        foreach (var failure in result.Failures) Console.Error.WriteLine($"distri {verb}: {failure.Package}: {failure.Message}");
        foreach (var name in result.Installed) Console.WriteLine($"  {name}");
        foreach (var path in result.EtcCopied) Console.WriteLine($"copied /{path}");
        Console.WriteLine(result.Summary);
        if (result.Installed.Count > 0)
        {
            // Returns once every `distri fuse` serving this store shows the new packages under /ro.
            await FuseControl.RescanAllAsync(store.Directory, TimeSpan.FromSeconds(30), cancellationToken);
        }
        return result.Succeeded ? 0 : 1;
    }
}
