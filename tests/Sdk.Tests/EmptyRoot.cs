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
    /// <summary>Links every image and meta of the repositories into <paramref name="store"/> (first one wins a name).</summary>
    public static void LinkStore(string store, params string[] repositories)
    {
        foreach (var repository in repositories.Where(Directory.Exists))
            foreach (var file in Directory.EnumerateFiles(repository, "*-amd64-*"))
                if (!File.Exists(Path.Combine(store, Path.GetFileName(file))))
                    File.CreateSymbolicLink(Path.Combine(store, Path.GetFileName(file)), file);
    }

    /// <summary>Runs a program of /ro in the empty root, as root of a fresh namespace set (nothing to escape to).</summary>
    public static ExternalTool.Result Run(string repository, params string[] command) =>
        WithRo(repository, (temp, mountPoint) =>
        {
            new SandboxSpec { View = mountPoint }.Write(temp["spec.json"]);
            return DistriCli.Run(["sandbox", "--spec", temp["spec.json"], "--", .. command], workingDirectory: "/");
        });

    /// <summary>Runs <paramref name="action"/> while <c>distri fuse</c> serves the repository plus the seed at a mount point.</summary>
    public static T WithRo<T>(string repository, Func<TempDirectory, string, T> action)
    {
        using var temp = new TempDirectory("empty-root");
        var store = temp.CreateDirectory("store");
        LinkStore(store, repository, SeedToolchain.Repository);
        using var ro = RoMount.Start(store, temp.CreateDirectory("ro"));
        return action(temp, ro.MountPoint);
    }
}
