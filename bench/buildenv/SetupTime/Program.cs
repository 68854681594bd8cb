// Build-environment set-up time for a closure, as ratios to a bare bubblewrap start in the same run.
// Usage: SetupTime STORE WORKDIR RUNS DISTRI-WORDS...   (run.sh writes the store: N synthetic packages)
// Per round, interleaved so the machine's load hits all alike, each from "prepare starts" to "the
// first build command has run in the sandbox":
//   bare     the sandbox with an empty /ro: `sh LAUNCHER -- sh -c 'test -d /ro/SELF'`
//   warm     the view daemon runs and served an earlier build of the closure: register the view
//            (one socket round trip, one mount), then the first command
//   cold     no daemon: start it, register, first command (the first build after the idle exit)
//   per-build   what builds did before: start `distri fuse --pkgs CLOSURE --extra-dir SELF`, wait for "ready", first command
using System.Diagnostics;
using Distri.Linux;
using Distri.Sandbox;

var store = Path.GetFullPath(args[0]);
var work = Path.GetFullPath(args[1]);
var runs = int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture);
string[] distri = args[3..];
const string self = "bench-amd64-1-1";
var packages = Directory.EnumerateFiles(store, "*.squashfs").Select(p => Path.GetFileName(p)[..^".squashfs".Length]).Order(StringComparer.Ordinal).ToList();
var library = "/ro/lib/lib" + packages[0].Split('-')[0] + ".so.1";

var environment = Directory.CreateDirectory(Path.Combine(work, "env")).FullName;
var source = Directory.CreateDirectory(Path.Combine(work, "src")).FullName;
var destination = Directory.CreateDirectory(Path.Combine(work, "dest")).FullName;
var service = new ViewService(Path.Combine(work, "views"), distri);
var owner = ProcessIdentity.Of(Environment.ProcessId)!.Value;

// The spec StartBuildEnvironment writes, abridged (the LDFLAGS rpaths do not change the timing);
// the host's /usr stands in for the toolchain so the first command has a shell.
SandboxSpec Spec(string? view) => new()
{
    View = view,
    Self = self,
    Destination = destination,
    Writable = [source],
    ReadOnly = new(StringComparer.Ordinal) { ["/usr"] = "/usr" },
    Symlinks = new(StringComparer.Ordinal) { ["/bin"] = "usr/bin", ["/lib"] = "usr/lib", ["/lib64"] = "usr/lib64" },
    Environment = new(StringComparer.Ordinal) { ["PATH"] = "/ro/bin:/usr/bin:/bin", ["CPATH"] = "/ro/include", ["LIBRARY_PATH"] = "/ro/lib" },
};
var bareLauncher = Path.Combine(work, "bare.sh");
SandboxLauncher.Write(bareLauncher, Path.Combine(work, "bare.args"), Spec(null));
var viewLauncher = Path.Combine(environment, "sandbox.sh");
SandboxLauncher.Write(viewLauncher, Path.Combine(environment, "bwrap.args"), Spec(BuildView.MountPoint(environment)));

void FirstCommand(string launcher, string test)
{
    var info = new ProcessStartInfo("/bin/sh") { WorkingDirectory = source, UseShellExecute = false };
    foreach (var a in new[] { launcher, "--", "sh", "-c", test }) info.ArgumentList.Add(a);
    using var process = Process.Start(info)!;
    process.WaitForExit();
    if (process.ExitCode != 0) throw new InvalidOperationException($"the first command failed in {launcher} ({process.ExitCode})");
}
void FirstViewCommand() => FirstCommand(viewLauncher, $"test -e {library} && test -d /ro/{self}");

void StopDaemon()
{
    if (BuildView.DaemonProcess(service) is not { } pid || ProcessIdentity.Of(pid) is not { } daemon) return;
    LibC.Signal(pid, LibC.SIGTERM);
    while (daemon.IsAlive) Thread.Sleep(5);
}

double Time(Action action)
{
    var clock = Stopwatch.StartNew();
    action();
    return clock.Elapsed.TotalMilliseconds;
}

var samples = new Dictionary<string, List<double>> { ["bare"] = [], ["warm"] = [], ["register"] = [], ["again"] = [], ["cold"] = [], ["per-build"] = [] };
StopDaemon();
for (var round = 0; round <= runs; round++)
{
    var record = round > 0; // round 0 warms the page cache and the tools up
    var bare = Time(() => FirstCommand(bareLauncher, $"test -d /ro/{self}"));

    // The daemon is up and has served an earlier build (as the one before in a build.proj run).
    BuildView.Start(environment, service, store, packages, self, owner);
    FirstViewCommand();
    BuildView.Stop(environment, service);
    var register = 0.0;
    var warm = Time(() =>
    {
        register = Time(() => BuildView.Start(environment, service, store, packages, self, owner));
        FirstViewCommand();
    });
    var again = Time(FirstViewCommand);
    BuildView.Stop(environment, service);

    StopDaemon();
    var cold = Time(() =>
    {
        BuildView.Start(environment, service, store, packages, self, owner);
        FirstViewCommand();
    });
    BuildView.Stop(environment, service);
    StopDaemon();

    var perBuild = Time(() =>
    {
        var info = new ProcessStartInfo(distri[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in distri[1..].Concat(["fuse", "--store", store, "--pkgs", string.Join(',', packages), "--extra-dir", self, BuildView.MountPoint(environment)]))
            info.ArgumentList.Add(a);
        var daemon = Process.Start(info)!;
        daemon.StandardError.ReadToEndAsync();
        if (daemon.StandardOutput.ReadLine() != "ready") throw new InvalidOperationException("distri fuse --pkgs did not become ready");
        FirstViewCommand();
        LibC.Signal(daemon.Id, LibC.SIGTERM);
        daemon.WaitForExit();
    });
    if (MountTable.IsMounted(BuildView.MountPoint(environment))) MountTable.Detach(BuildView.MountPoint(environment));

    if (!record) continue;
    samples["bare"].Add(bare);
    samples["warm"].Add(warm);
    samples["register"].Add(register);
    samples["again"].Add(again);
    samples["cold"].Add(cold);
    samples["per-build"].Add(perBuild);
}

static double Median(List<double> values)
{
    var sorted = values.Order().ToList();
    return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
}
var bareMedian = Median(samples["bare"]);
Console.WriteLine($"closure: {packages.Count} packages, {runs} rounds, distri = {string.Join(' ', distri)}");
foreach (var (name, what) in new[]
         {
             ("bare", "bare bwrap (empty /ro), first command"),
             ("warm", "warm: register + first command"),
             ("register", "  of which the registration (round trip + mount)"),
             ("again", "the same command again in that view (a later step)"),
             ("cold", "cold: start daemon + register + first command"),
             ("per-build", "per-build distri fuse --pkgs (before), first command"),
         })
{
    var median = Median(samples[name]);
    Console.WriteLine($"{what,-56} median {median,6:0.0} ms  {median / bareMedian,5:0.0}×  [{string.Join(' ', samples[name].Select(s => s.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture)))}]");
}
var ratio = Median(samples["warm"]) / bareMedian;
Console.WriteLine($"warm set-up / bare bwrap = {ratio:0.0}× (target ≤ 3×: {(ratio <= 3 ? "met" : "not met")})");
