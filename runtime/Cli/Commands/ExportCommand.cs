using System.CommandLine;
using System.Net;
using Distri.Export;

namespace Distri.Cli.Commands;

internal static class ExportCommand
{
    public static Command Create()
    {
        var directory = new Argument<string>("dir") { Description = "A repository (with pkg/), a root (with roimg/) or a package directory" };
        var listen = new Option<string>("--listen") { Description = "ADDR:PORT to listen on (port 0: any free port)", DefaultValueFactory = _ => "127.0.0.1:7080" };
        var precompress = new Option<bool>("--precompress") { Description = "Write .zst/.gz siblings of the repository's files, then exit" };
        var command = new Command("export", "Serve a repository over HTTP (GET/HEAD, Range, ETag, precompressed zstd/gzip).");
        command.Arguments.Add(directory);
        command.Options.Add(listen);
        command.Options.Add(precompress);
        command.SetAction((parseResult, cancellationToken) => StoreCommandLine.RunAsync("export", async () =>
        {
            var dir = parseResult.GetValue(directory)!;
            if (parseResult.GetValue(precompress))
            {
                var written = Precompressor.Run(RepositoryDirectory.ResolvePackageDirectory(dir));
                Console.WriteLine($"wrote {written.Count} precompressed files");
                return 0;
            }
            if (!IPEndPoint.TryParse(parseResult.GetValue(listen)!, out var endPoint) || endPoint.Port == 0 && !parseResult.GetValue(listen)!.EndsWith(":0", StringComparison.Ordinal))
            {
                Console.Error.WriteLine($"distri export: --listen '{parseResult.GetValue(listen)}' is not ADDR:PORT");
                return 2;
            }
            await using var server = await RepositoryServer.StartAsync(dir, endPoint, cancellationToken);
            // The first line is the base URL to use with --repo (tests and scripts read it).
            Console.WriteLine($"serving {server.PackageDirectory} at {server.BaseUri}");
            // Ends on SIGINT (the token) or SIGTERM (the host's lifetime handles that one).
            try
            {
                await server.WaitForShutdownAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
            }
            return 0;
        }));
        return command;
    }
}
