using System.Diagnostics;
using Distri.Packages;
using Distri.Store;
using Distri.Testing;
using Store.Tests.Fixtures;

namespace Store.Tests.Install;

[TestClass]
public sealed class KillTests
{
    private const int Kills = 50;

    /// <summary>
    /// Crash safety: `distri install` (the real CLI, a child process) is killed with SIGKILL at
    /// points spread over a whole install; after each kill every visible package must be complete
    /// and verified, and every fifth time a rerun of the same command must complete the store. Each kill starts
    /// from an empty store, so the delays cover a whole install.
    /// A throttled loopback server makes the install long enough to be hit anywhere.
    /// </summary>
    [TestMethod]
    public async Task KillingInstallsAtRandomPointsNeverLeavesAnIncompleteVisiblePackage()
    {
        using var temp = new TempDirectory("kill");
        var repository = new TestRepository(temp["repo"]);
        var all = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            var name = $"pkg{i}-amd64-1.{i}-1";
            repository.Add(name, 40_000 + i * 60_000, all.Count > 0 ? [all[^1]] : []);
            all.Add(name);
        }
        var index = repository.WriteIndex();
        await using var server = await FaultyHttpServer.StartAsync(repository.PackageDirectory);
        server.BytesPerSecond = 4_000_000;
        var root = temp["root"];
        var store = new PackageStore(root);
        string[] arguments = ["install", "--root", root, "--repo", server.BaseUri.ToString(), "--jobs", "4", .. all];

        // The shortest of two whole runs (the first one warms caches) bounds the kill delays.
        var fullRun = TimeSpan.MaxValue;
        for (var i = 0; i < 2; i++)
        {
            var calibration = Stopwatch.StartNew();
            Assert.AreEqual(0, (await RunAsync(arguments, killAfter: null)).ExitCode);
            fullRun = TimeSpan.FromTicks(Math.Min(fullRun.Ticks, calibration.Elapsed.Ticks));
            Directory.Delete(root, recursive: true);
        }

        var random = new Random(6);
        var killedMidway = 0;
        for (var i = 0; i < Kills; i++)
        {
            var delay = fullRun * random.NextDouble();
            var (exitCode, _) = await RunAsync(arguments, delay);
            if (exitCode != 0) killedMidway++;
            StoreAssert.EveryVisiblePackageIsComplete(store, index, $"kill {i} after {delay.TotalMilliseconds:0} ms");
            AssertOnlyStoreFiles(store, i);
            if (i % 5 == 4)
            {
                var (rerun, output) = await RunAsync(arguments, killAfter: null);
                Assert.AreEqual(0, rerun, $"rerun after kill {i}: {output}");
                StoreAssert.Installed(store, [.. all]);
                StoreAssert.EveryVisiblePackageIsComplete(store, index, $"rerun after kill {i}");
            }
            if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
        }
        // Guards against a degenerate timing (every install done before its kill); loose, since
        // a loaded machine stretches some runs and shortens none.
        Console.WriteLine($"{killedMidway} of {Kills} kills interrupted an install (whole run {fullRun.TotalMilliseconds:0} ms)");
        Assert.IsTrue(killedMidway >= Kills / 4, $"only {killedMidway} of {Kills} kills interrupted an install; the timing is off");
    }

    private static void AssertOnlyStoreFiles(PackageStore store, int iteration)
    {
        if (!Directory.Exists(store.Directory)) return;
        foreach (var entry in Directory.EnumerateFileSystemEntries(store.Directory))
        {
            var name = Path.GetFileName(entry);
            var known = name == PackageStore.WorkDirectoryName
                || StoreLayout.TryParseImageFileName(name, out _)
                || StoreLayout.TryParseMetaFileName(name, out _);
            Assert.IsTrue(known, $"kill {iteration}: unexpected {name} in the store");
        }
    }

    /// <summary>Runs the CLI; kills it with SIGKILL after <paramref name="killAfter"/> unless it finished. Returns the exit code (-1 when killed).</summary>
    private static async Task<(int ExitCode, string Output)> RunAsync(string[] arguments, TimeSpan? killAfter)
    {
        using var process = DistriCli.Start(arguments);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (killAfter is { } delay)
        {
            await Task.WhenAny(process.WaitForExitAsync(), Task.Delay(delay));
            if (!process.HasExited)
            {
                process.Kill(); // SIGKILL
                await process.WaitForExitAsync();
                await Task.WhenAll(stdout, stderr);
                return (-1, "");
            }
        }
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }
}
