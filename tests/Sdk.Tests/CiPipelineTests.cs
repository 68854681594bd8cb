using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Distri.Packages;
using Distri.Testing;
using YamlDotNet.Serialization;

namespace Sdk.Tests;

/// <summary>
/// `distri ci github|gitlab`: pipelines generated from the package graph (a diamond: d needs b and
/// c, both need a) that parse as YAML, whose jobs follow the graph, and that — run by a small
/// stand-in for the engine with 3 workers against one nginx cache — build each package once.
/// </summary>
[TestClass]
public sealed class CiPipelineTests
{
    private static readonly string[] Names = ["a", "b", "c", "d"];

    private static PackageFixture Diamond()
    {
        var f = new PackageFixture();
        f.WritePackage("a", f.TinyPackage("a"));
        f.WritePackage("b", f.TinyPackage("b", """<Dependency Include="a" />"""));
        f.WritePackage("c", f.TinyPackage("c", """<RuntimeDependency Include="a" />"""));
        f.WritePackage("d", f.TinyPackage("d", """<Dependency Include="b" /><Dependency Include="c" />"""));
        return f;
    }

    private static Dictionary<object, object> Pipeline(PackageFixture f, string engine, params string[] extra)
    {
        var result = DistriCli.Run(["ci", engine, "--pkgs", f["pkgs"], .. extra]);
        Assert.AreEqual(0, result.ExitCode, result.StandardError);
        return new DeserializerBuilder().Build().Deserialize<Dictionary<object, object>>(result.StandardOutput);
    }

    private static List<string> Strings(object? node) => node is List<object> list ? [.. list.Select(o => (string)o)] : [];

    private static Dictionary<string, List<string>> Closures(Dictionary<string, List<string>> edges)
    {
        SortedSet<string> Closure(string node)
        {
            var seen = new SortedSet<string>(StringComparer.Ordinal);
            var work = new Stack<string>(edges[node]);
            while (work.TryPop(out var next)) if (seen.Add(next)) foreach (var n in edges[next]) work.Push(n);
            return seen;
        }
        return edges.Keys.ToDictionary(k => k, k => Closure(k).ToList());
    }

    [TestMethod]
    public void TheGitLabPipelineHasAJobPerPackageWhoseNeedsAreThePackageGraph()
    {
        using var f = Diamond();
        var graph = PackageGraph.Load(f["pkgs"]);

        var jobs = Pipeline(f, "gitlab").Where(e => ((string)e.Key).StartsWith("build:", StringComparison.Ordinal))
            .ToDictionary(e => ((string)e.Key)["build:".Length..], e => Strings(((Dictionary<object, object>)e.Value)["needs"]).Select(n => n["build:".Length..]).ToList());

        CollectionAssert.AreEquivalent(Names, jobs.Keys.ToArray());
        foreach (var (package, closure) in Closures(jobs))
            CollectionAssert.AreEquivalent(graph.Closure(package).ToArray(), closure.ToArray(), $"{package}: the jobs it waits for are not its dependencies");
        CollectionAssert.AreEquivalent(new[] { "b", "c" }, jobs["d"], "needs are not the transitive reduction");
    }

    [TestMethod]
    public void TheGitHubPipelineHasAJobPerLevelThatComesAfterEveryDependency()
    {
        using var f = Diamond();
        var graph = PackageGraph.Load(f["pkgs"]);

        var jobs = (Dictionary<object, object>)Pipeline(f, "github", "--cache", "http://127.0.0.1:1/")["jobs"];

        var needs = jobs.ToDictionary(j => (string)j.Key, j => Strings(((Dictionary<object, object>)j.Value).GetValueOrDefault("needs")));
        var jobOf = jobs.Where(j => ((Dictionary<object, object>)j.Value).ContainsKey("strategy"))
            .SelectMany(j => Strings(((Dictionary<object, object>)((Dictionary<object, object>)((Dictionary<object, object>)j.Value)["strategy"])["matrix"])["package"]).Select(p => (Package: p, Job: (string)j.Key)))
            .ToDictionary(x => x.Package, x => x.Job);
        CollectionAssert.AreEquivalent(Names, jobOf.Keys.ToArray(), "each package is in exactly one job");
        var after = Closures(needs);
        foreach (var package in Names)
            foreach (var dependency in graph.Closure(package))
                CollectionAssert.Contains(after[jobOf[package]], jobOf[dependency], $"{package}'s job does not wait for {dependency}'s");
        CollectionAssert.AreEquivalent(jobs.Keys.Where(k => (string)k != "repository").ToArray(), after["repository"].ToArray(), "the repository job does not come last");
    }

    [TestMethod]
    [Timeout(900_000, CooperativeCancellation = true)]
    public async Task AFleetOfThreeWorkersRunningTheGitLabPipelineBuildsEachPackageOnceAndEachEndsWithTheWholeRepository()
    {
        await using var cache = await CacheServer.StartAsync();
        using var f = Diamond();
        var pipeline = Pipeline(f, "gitlab");
        var jobs = pipeline.Where(e => ((string)e.Key).StartsWith("build:", StringComparison.Ordinal)).ToDictionary(e => (string)e.Key, e => (Dictionary<object, object>)e.Value);
        var workers = Enumerable.Range(1, 3).Select(i => f[$"worker{i}"]).ToArray();
        var environment = new Dictionary<string, string> { ["DistriCache"] = cache.Url };
        var outputs = new ConcurrentBag<string>();

        ExternalTool.Result Run(string worker, string script)
        {
            // The job's own command, in the fixture's layout: `dotnet build pkgs/<name> <properties>`.
            var words = script.Split(' ');
            Assert.AreEqual("dotnet build", string.Join(' ', words[..2]), script);
            var project = f[Path.Combine(words[2], Path.GetFileName(words[2]) + PackageDefinition.Extension)];
            var result = f.Build(project, new Dictionary<string, string>(environment), [.. words[3..], $"-p:DistriArtifactsDir={worker}/"]);
            outputs.Add(result.StandardOutput);
            return result;
        }

        // The engine: a job starts on a free worker once every job it needs has finished.
        var done = new ConcurrentDictionary<string, bool>();
        var started = new ConcurrentDictionary<string, bool>();
        var gate = new SemaphoreSlim(1, 1);
        async Task Worker(string worker)
        {
            while (done.Count < jobs.Count)
            {
                string? next = null;
                await gate.WaitAsync();
                try
                {
                    next = jobs.Keys.FirstOrDefault(j => !started.ContainsKey(j) && Strings(jobs[j]["needs"]).All(done.ContainsKey));
                    if (next is not null) started[next] = true;
                }
                finally { gate.Release(); }
                if (next is null) { await Task.Delay(200); continue; }
                var result = await Task.Run(() => Run(worker, Strings(jobs[next]["script"]).Single()));
                Assert.AreEqual(0, result.ExitCode, $"{next} on {worker}:\n{result.StandardOutput}");
                done[next] = true;
            }
        }
        await Task.WhenAll(workers.Select(Worker));
        // The repository job, on every worker: the whole distribution, from the cache.
        foreach (var worker in workers)
            Assert.AreEqual(0, Run(worker, "dotnet build pkgs/d").ExitCode);

        var built = outputs.SelectMany(o => Regex.Matches(o, @"^\s*(\S+-amd64-\S+) -> \S+\.squashfs\s*$", RegexOptions.Multiline)).Select(m => m.Groups[1].Value).ToList();
        CollectionAssert.AreEquivalent(Names.Select(n => $"{n}-amd64-1.0-1").ToArray(), built.ToArray(), "not every package was built exactly once fleet-wide");
        foreach (var worker in workers)
            CollectionAssert.AreEquivalent(Names.Select(n => $"{n}-amd64-1.0-1.squashfs").ToArray(),
                Directory.GetFiles(Path.Combine(worker, "repo", "pkg"), "*.squashfs").Select(Path.GetFileName).ToArray(), $"{worker} lacks packages");
    }
}
