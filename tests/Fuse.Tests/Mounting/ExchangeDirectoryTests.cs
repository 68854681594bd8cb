using Distri.Fuse.Control;
using Distri.Packages;
using Distri.Testing;

namespace Fuse.Tests.Mounting;

/// <summary>/ro/bin, /ro/share/… : merged, relative links to the winners, live.</summary>
[TestClass]
public sealed class ExchangeDirectoryTests
{
    private static string Link(string path) => new FileInfo(path).LinkTarget ?? throw new AssertFailedException(path + " is not a link");

    [TestMethod]
    public void OverlappingPackagesGiveTheExpectedWinnersAndMergedDirectories()
    {
        Requires.Fuse();
        using var temp = new TempDirectory("fuse-exchange");
        var store = new TestStore(temp);
        store.Add("zsh-amd64-5.8-1", ("bin/zsh", "5.8"), ("bin/zsh-only-old", "old"), ("share/man/man1/zsh.1", "old man"), ("share/zsh/functions/a", "a"));
        store.Add("zsh-amd64-5.9-2", ("bin/zsh", "5.9"), ("share/man/man1/zsh.1", "new man"));
        store.Add("tools-amd64-1.0-3", ("bin/tool", "from tools"), ("lib/pkgconfig/tools.pc", "pc"), ("share/man/man1/tool.1", "t"));
        store.Add("alpha-amd64-1.0-3", ("bin/tool", "from alpha"));
        store.Add("beta-amd64-1.0-9", ("share/zsh", "a file must not shadow the directory"));
        using var mount = RoMount.Start(store.Directory, temp.CreateDirectory("ro"));

        Assert.AreEqual("../zsh-amd64-5.9-2/out/bin/zsh", Link(mount["bin/zsh"]), "highest revision wins");
        Assert.AreEqual("5.9", File.ReadAllText(mount["bin/zsh"]), "the link resolves");
        Assert.AreEqual("old", File.ReadAllText(mount["bin/zsh-only-old"]), "an old revision still contributes names the new one lacks");
        Assert.AreEqual("../alpha-amd64-1.0-3/out/bin/tool", Link(mount["bin/tool"]), "equal revision and version: ordinal full name");
        Assert.AreEqual("../../../zsh-amd64-5.9-2/out/share/man/man1/zsh.1", Link(mount["share/man/man1/zsh.1"]));
        Assert.AreEqual("new man", File.ReadAllText(mount["share/man/man1/zsh.1"]));
        CollectionAssert.AreEqual(new[] { "tool.1", "zsh.1" }, Directory.GetFileSystemEntries(mount["share/man/man1"]).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray());
        Assert.IsTrue(Directory.Exists(mount["share/zsh/functions"]), "a file never shadows a directory");
        Assert.AreEqual("../../../zsh-amd64-5.8-1/out/share/zsh/functions/a", Link(mount["share/zsh/functions/a"]));
        Assert.AreEqual("pc", File.ReadAllText(mount["lib/pkgconfig/tools.pc"]));
        Assert.AreEqual(0, Directory.GetFileSystemEntries(mount["sbin"]).Length);
        Assert.IsFalse(File.Exists(mount["bin/nothing"]));
    }

    [TestMethod]
    public void AddingAndRemovingPackagesIsVisibleAfterARescanAndFallsBackToThePreviousRevision()
    {
        Requires.Fuse();
        using var temp = new TempDirectory("fuse-live");
        var store = new TestStore(temp);
        store.Add("zsh-amd64-5.8-1", ("bin/zsh", "5.8"));
        using var mount = RoMount.Start(store.Directory, temp.CreateDirectory("ro"));
        Assert.AreEqual("5.8", File.ReadAllText(mount["bin/zsh"]));

        store.Add("zsh-amd64-5.9-2", ("bin/zsh", "5.9"), ("bin/new", "n"));
        Assert.AreEqual(1, FuseControl.RescanAllAsync(store.Directory, TimeSpan.FromSeconds(30)).GetAwaiter().GetResult());
        Assert.AreEqual("../zsh-amd64-5.9-2/out/bin/zsh", Link(mount["bin/zsh"]));
        Assert.AreEqual("5.9", File.ReadAllText(mount["bin/zsh"]));
        Assert.IsTrue(Directory.Exists(mount["zsh-amd64-5.9-2"]));

        store.Remove("zsh-amd64-5.9-2");
        Assert.AreEqual(1, FuseControl.RescanAllAsync(store.Directory, TimeSpan.FromSeconds(30)).GetAwaiter().GetResult());
        Assert.AreEqual("../zsh-amd64-5.8-1/out/bin/zsh", Link(mount["bin/zsh"]));
        Assert.AreEqual("5.8", File.ReadAllText(mount["bin/zsh"]));
        Assert.IsFalse(File.Exists(mount["bin/new"]) || new FileInfo(mount["bin/new"]).LinkTarget is not null, "the removed package's names are gone");
        Assert.IsFalse(Directory.Exists(mount["zsh-amd64-5.9-2"]));
        CollectionAssert.DoesNotContain(Directory.GetFileSystemEntries(mount.MountPoint).Select(Path.GetFileName).ToList(), "zsh-amd64-5.9-2");
    }

    [TestMethod]
    public void ListingsTheKernelKeepsFollowARescan()
    {
        Requires.Fuse();
        using var temp = new TempDirectory("fuse-listings");
        var store = new TestStore(temp);
        store.Add("host-amd64-2.0-1", ("lib/host/modules/core.so", "core"), ("bin/host", "h"));
        using var mount = RoMount.Start(store.Directory, temp.CreateDirectory("ro"));
        static string[] List(string path) => [.. Directory.GetFileSystemEntries(path).Select(Path.GetFileName).Order(StringComparer.Ordinal)!];
        var modules = mount["host-amd64-2.0-1/out/lib/host/modules"];
        string[] before = ["bin", "host-amd64-2.0-1", "include", "lib", "sbin", "share"];
        // Listed once, so the kernel holds these listings (directories are opened without a round trip).
        CollectionAssert.AreEqual(before, List(mount.MountPoint));
        CollectionAssert.AreEqual(new[] { "host" }, List(mount["bin"]));
        CollectionAssert.AreEqual(new[] { "core.so" }, List(modules));

        store.Add("plugin-amd64-0.1-1", root => TestStore.Fill(root, ("lib/host/modules/plugin.so", "plugin"), ("bin/plugin", "p")),
            [new ExchangeDirectory { Directory = "lib/host/modules", Host = "host" }]);
        Assert.AreEqual(1, FuseControl.RescanAllAsync(store.Directory, TimeSpan.FromSeconds(30)).GetAwaiter().GetResult());
        CollectionAssert.AreEqual(new[] { "bin", "host-amd64-2.0-1", "include", "lib", "plugin-amd64-0.1-1", "sbin", "share" }, List(mount.MountPoint));
        CollectionAssert.AreEqual(new[] { "host", "plugin" }, List(mount["bin"]));
        CollectionAssert.AreEqual(new[] { "core.so", "plugin.so" }, List(modules), "a joined directory");

        store.Remove("plugin-amd64-0.1-1");
        Assert.AreEqual(1, FuseControl.RescanAllAsync(store.Directory, TimeSpan.FromSeconds(30)).GetAwaiter().GetResult());
        CollectionAssert.AreEqual(before, List(mount.MountPoint));
        CollectionAssert.AreEqual(new[] { "host" }, List(mount["bin"]));
        CollectionAssert.AreEqual(new[] { "core.so" }, List(modules));
    }

    [TestMethod]
    public void StoreChangesAreNoticedWithoutAControlRequest()
    {
        Requires.Fuse();
        using var temp = new TempDirectory("fuse-inotify");
        var store = new TestStore(temp);
        store.Add("a-amd64-1-1", ("bin/a", "a"));
        using var mount = RoMount.Start(store.Directory, temp.CreateDirectory("ro"));
        store.Add("b-amd64-1-1", ("bin/b", "b"));
        Assert.IsTrue(RoMount.Eventually(() => File.Exists(mount["bin/b"]), TimeSpan.FromSeconds(10)), "inotify-triggered rescan");
        Assert.AreEqual("b", File.ReadAllText(mount["bin/b"]));
    }

    [TestMethod]
    public void APluginsDirectoryJoinsItsHostsDirectory()
    {
        Requires.Fuse();
        using var temp = new TempDirectory("fuse-plugin");
        var store = new TestStore(temp);
        store.Add("host-amd64-2.0-1", ("lib/host/modules/core.so", "core"), ("bin/host", "h"));
        using var mount = RoMount.Start(store.Directory, temp.CreateDirectory("ro"));
        var modules = mount["host-amd64-2.0-1/out/lib/host/modules"];
        Assert.IsFalse(File.Exists(Path.Combine(modules, "plugin.so")), "cached as absent before the plugin arrives");

        store.Add("plugin-amd64-0.1-1", root =>
        {
            Directory.CreateDirectory(Path.Combine(root, "out/lib/host/modules"));
            File.WriteAllText(Path.Combine(root, "out/lib/host/modules/plugin.so"), "plugin");
        }, [new ExchangeDirectory { Directory = "lib/host/modules", Host = "host" }]);
        FuseControl.RescanAllAsync(store.Directory, TimeSpan.FromSeconds(30)).GetAwaiter().GetResult();

        CollectionAssert.AreEqual(new[] { "core.so", "plugin.so" }, Directory.GetFileSystemEntries(modules).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray());
        Assert.AreEqual("plugin", File.ReadAllText(Path.Combine(modules, "plugin.so")));
        Assert.AreEqual("core", File.ReadAllText(Path.Combine(modules, "core.so")));

        store.Remove("plugin-amd64-0.1-1");
        FuseControl.RescanAllAsync(store.Directory, TimeSpan.FromSeconds(30)).GetAwaiter().GetResult();
        CollectionAssert.AreEqual(new[] { "core.so" }, Directory.GetFileSystemEntries(modules).Select(Path.GetFileName).ToArray());
        Assert.IsFalse(File.Exists(Path.Combine(modules, "plugin.so")));
    }

    [TestMethod]
    public void PkgsShowsOnlyTheListedPackagesEverywhere()
    {
        Requires.Fuse();
        using var temp = new TempDirectory("fuse-pkgs");
        var store = new TestStore(temp);
        store.Add("a-amd64-1-1", ("bin/a", "a"), ("bin/shared", "from a"));
        store.Add("b-amd64-1-2", ("bin/b", "b"), ("bin/shared", "from b"));
        store.Add("c-amd64-1-1", ("bin/c", "c"));
        using var mount = RoMount.Start(store.Directory, temp.CreateDirectory("ro"), "--pkgs", "a-amd64-1-1,c-amd64-1-1");

        CollectionAssert.AreEqual(new[] { "a-amd64-1-1", "bin", "c-amd64-1-1", "include", "lib", "sbin", "share" },
            Directory.GetFileSystemEntries(mount.MountPoint).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray());
        CollectionAssert.AreEqual(new[] { "a", "c", "shared" }, Directory.GetFileSystemEntries(mount["bin"]).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray());
        Assert.AreEqual("from a", File.ReadAllText(mount["bin/shared"]));
        Assert.IsFalse(Directory.Exists(mount["b-amd64-1-2"]));
    }

    [TestMethod]
    public void ExtraDirIsAnEmptyDirectoryAtTheRoot()
    {
        Requires.Fuse();
        using var temp = new TempDirectory("fuse-extra");
        var store = new TestStore(temp);
        store.Add("a-amd64-1-1", ("bin/a", "a"));
        using var mount = RoMount.Start(store.Directory, temp.CreateDirectory("ro"), "--extra-dir", "mine-amd64-1-1", "--extra-dir", "other");
        Assert.IsTrue(Directory.Exists(mount["mine-amd64-1-1"]));
        Assert.AreEqual(0, Directory.GetFileSystemEntries(mount["mine-amd64-1-1"]).Length);
        CollectionAssert.IsSubsetOf(new[] { "mine-amd64-1-1", "other", "a-amd64-1-1" }, Directory.GetFileSystemEntries(mount.MountPoint).Select(Path.GetFileName).ToList());
    }

    [TestMethod]
    public void AScriptInsideAnImageRunsThroughRoBin()
    {
        Requires.Fuse();
        using var temp = new TempDirectory("fuse-exec");
        var store = new TestStore(temp);
        store.Add("hello-amd64-1.0-1", root =>
        {
            Directory.CreateDirectory(Path.Combine(root, "out/bin"));
            File.WriteAllText(Path.Combine(root, "out/bin/hello"), "#!/bin/sh\necho \"Hello, world! ($0)\"\n");
            File.SetUnixFileMode(Path.Combine(root, "out/bin/hello"), (UnixFileMode)0b111_101_101);
        });
        using var mount = RoMount.Start(store.Directory, temp.CreateDirectory("ro"));
        var result = ExternalTool.Run(mount["bin/hello"], []);
        Assert.AreEqual(0, result.ExitCode, result.StandardError);
        StringAssert.StartsWith(result.StandardOutput, "Hello, world!");
    }
}
