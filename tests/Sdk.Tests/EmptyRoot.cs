using Distri.Sandbox;
using Distri.Testing;

namespace Sdk.Tests;

/// <summary>
/// A root that holds nothing but a /ro (and /proc, /dev, /tmp): no /usr, /lib, /bin or /etc of the
/// host, no network — where a distri package must run. /ro is <c>distri fuse</c> over a store of
/// links to a repository's images plus the seed toolchain's.
/// </summary>
internal static class EmptyRoot
{
    private static string DistriDll => Path.Combine(AppContext.BaseDirectory, "distri.dll");
    private static string Dotnet => ExternalTool.Find("dotnet") ?? "dotnet";

    /// <summary>Links every image and meta of the repositories into <paramref name="store"/> (first one wins a name).</summary>
    public static void LinkStore(string store, params string[] repositories)
    {
        foreach (var repository in repositories)
            foreach (var file in Directory.EnumerateFiles(repository, "*-amd64-*"))
                if (!File.Exists(Path.Combine(store, Path.GetFileName(file))))
                    File.CreateSymbolicLink(Path.Combine(store, Path.GetFileName(file)), file);
    }

    /// <summary>Runs a program of /ro in the empty root, as root of a fresh namespace set (nothing to escape to).</summary>
    public static ExternalTool.Result Run(string repository, params string[] command) =>
        WithRo(repository, (temp, mountPoint) =>
        {
            new SandboxSpec { View = mountPoint }.Write(temp["spec.json"]);
            return ExternalTool.Run(Dotnet, [DistriDll, "sandbox", "--spec", temp["spec.json"], "--", .. command], "/");
        });

    /// <summary>Runs <paramref name="action"/> while <c>distri fuse</c> serves the repository plus the seed at a mount point.</summary>
    public static T WithRo<T>(string repository, Func<TempDirectory, string, T> action)
    {
        using var temp = new TempDirectory("empty-root");
        var store = temp.CreateDirectory("store");
        LinkStore(store, repository, SeedToolchain.Repository);
        var mountPoint = temp.CreateDirectory("ro");
        var log = temp["fuse.log"];
        using var daemon = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("/bin/sh")
        {
            ArgumentList = { "-c", "exec \"$@\" >\"$0\" 2>&1", log, Dotnet, DistriDll, "fuse", "--store", store, mountPoint },
            UseShellExecute = false,
        })!;
        try
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while (!(File.Exists(log) && File.ReadAllText(log).Contains("ready", StringComparison.Ordinal)))
            {
                if (daemon.HasExited || clock.Elapsed > TimeSpan.FromSeconds(60))
                    Assert.Fail("distri fuse did not get ready:\n" + (File.Exists(log) ? File.ReadAllText(log) : ""));
                Thread.Sleep(20);
            }
            return action(temp, mountPoint);
        }
        finally
        {
            if (!daemon.HasExited) daemon.Kill();
            daemon.WaitForExit();
            ExternalTool.Run("umount", ["-l", mountPoint]);
        }
    }
}
