using Distri.Fuse.Control;
using Distri.Linux;
using Distri.Testing;

namespace Fuse.Tests.Mounting;

/// <summary>Starting, stopping, dying, refusing to start, and many callers at once.</summary>
[TestClass]
public sealed class LifecycleTests
{
    [TestMethod]
    public void SigtermUnmountsAndExitsCleanly()
    {
        Requires.Fuse();
        using var temp = new TempDirectory("fuse-sigterm");
        var store = new TestStore(temp);
        store.Add("a-amd64-1-1", ("bin/a", "a"));
        using var mount = RoMount.Start(store.Directory, temp.CreateDirectory("ro"));
        Assert.IsTrue(RoMount.IsMounted(mount.MountPoint));
        Assert.IsTrue(File.Exists(FuseControl.SocketPath(store.Directory, mount.Process.Id)));

        mount.Signal(15);
        Assert.IsTrue(mount.Process.WaitForExit(TimeSpan.FromSeconds(30)), "exits on SIGTERM");
        Assert.AreEqual(0, mount.Process.ExitCode, mount.StandardError);
        Assert.IsFalse(RoMount.IsMounted(mount.MountPoint));
        Assert.IsFalse(File.Exists(FuseControl.SocketPath(store.Directory, mount.Process.Id)), "the control socket is removed");
    }

    [TestMethod]
    public void SigtermWithABusyMountDetachesItAndExits()
    {
        Requires.Fuse();
        using var temp = new TempDirectory("fuse-busy");
        var store = new TestStore(temp);
        store.Add("a-amd64-1-1", ("bin/a", "a"));
        using var mount = RoMount.Start(store.Directory, temp.CreateDirectory("ro"));
        using var user = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("sleep", ["60"]) { WorkingDirectory = mount["a-amd64-1-1/out"] })!;
        try
        {
            mount.Signal(15);
            Assert.IsTrue(mount.Process.WaitForExit(TimeSpan.FromSeconds(30)), "exits although a process sits in the mount");
            Assert.AreEqual(0, mount.Process.ExitCode, mount.StandardError);
            Assert.IsFalse(RoMount.IsMounted(mount.MountPoint));
        }
        finally
        {
            user.Kill();
        }
    }

    [TestMethod]
    public void Kill9LeavesNoMountAndAStaleSocketIsCleanedUp()
    {
        Requires.Fuse();
        using var temp = new TempDirectory("fuse-kill9");
        var store = new TestStore(temp);
        store.Add("a-amd64-1-1", ("bin/a", "a"));
        using var mount = RoMount.Start(store.Directory, temp.CreateDirectory("ro"));
        var socket = FuseControl.SocketPath(store.Directory, mount.Process.Id);

        mount.Signal(9);
        Assert.IsTrue(mount.Process.WaitForExit(TimeSpan.FromSeconds(30)));
        // fusermount3's watcher unmounts once it sees the daemon's end of its socket close; on two
        // cores shared with builds (CI) that took more than 10 s once, so it gets the exit's 30 s.
        Assert.IsTrue(RoMount.Eventually(() => !RoMount.IsMounted(mount.MountPoint), TimeSpan.FromSeconds(30)), "auto_unmount");

        Assert.IsTrue(File.Exists(socket), "kill -9 leaves the socket behind");
        Assert.AreEqual(0, FuseControl.RescanAllAsync(store.Directory, TimeSpan.FromSeconds(10)).GetAwaiter().GetResult());
        Assert.IsFalse(File.Exists(socket), "a socket nobody listens on is removed");
    }

    [TestMethod]
    public void ReadyIsAlsoWrittenToTheReadyFd()
    {
        Requires.Fuse();
        using var temp = new TempDirectory("fuse-readyfd");
        var store = new TestStore(temp);
        var mountPoint = temp.CreateDirectory("ro");
        var readyFile = temp["ready"];
        // The shell opens fd 3 on a file and execs the daemon, which inherits it.
        var info = new System.Diagnostics.ProcessStartInfo("bash", ["-c", $"exec {DistriCli.Command} fuse --store '{store.Directory}' --ready-fd 3 '{mountPoint}' 3>'{readyFile}' >/dev/null 2>&1"]);
        using var process = System.Diagnostics.Process.Start(info)!;
        try
        {
            Assert.IsTrue(RoMount.Eventually(() => File.Exists(readyFile) && File.ReadAllText(readyFile) == "ready\n", TimeSpan.FromSeconds(60)));
            Assert.IsTrue(RoMount.IsMounted(mountPoint));
        }
        finally
        {
            LibC.Signal(process.Id, LibC.SIGTERM);
            if (!process.WaitForExit(TimeSpan.FromSeconds(15))) process.Kill();
            if (RoMount.IsMounted(mountPoint)) MountTable.Detach(mountPoint);
        }
        Assert.IsFalse(RoMount.IsMounted(mountPoint));
    }

    [TestMethod]
    public void RescanAllWithoutDaemonsTellsNobody()
    {
        using var temp = new TempDirectory("fuse-none");
        Assert.AreEqual(0, FuseControl.RescanAllAsync(temp.Path, TimeSpan.FromSeconds(1)).GetAwaiter().GetResult());
    }

    [TestMethod]
    public void AMissingStoreIsOneClearError()
    {
        using var temp = new TempDirectory("fuse-nostore");
        var (exitCode, error) = RoMount.RunExpectingFailure(temp["missing"], temp.CreateDirectory("ro"));
        Assert.AreNotEqual(0, exitCode);
        Assert.AreEqual($"distri fuse: store directory {temp["missing"]} does not exist", error.Trim());
    }

    [TestMethod]
    [DataRow("--pkgs", "zsh-5.9", "--pkgs: 'zsh-5.9' is not a full package name")]
    [DataRow("--extra-dir", "a/b", "--extra-dir: 'a/b' is not a single directory name")]
    [DataRow("--extra-dir", "bin", "--extra-dir: 'bin' is an exchange directory")]
    public void BadArgumentsAreRefusedBeforeMounting(string option, string value, string message)
    {
        using var temp = new TempDirectory("fuse-args");
        var (exitCode, error) = RoMount.RunExpectingFailure(temp.CreateDirectory("store"), temp.CreateDirectory("ro"), option, value);
        Assert.AreEqual(2, exitCode);
        StringAssert.StartsWith(error, "distri fuse: " + message);
    }

    [TestMethod]
    public void NoDevFuseIsOneClearError()
    {
        Requires.Root();
        var unshare = Requires.Tool("unshare");
        using var temp = new TempDirectory("fuse-nodev");
        // In a private mount namespace, /dev becomes a tmpfs holding only what dotnet needs.
        var script = $"mount --rbind /dev '{temp.CreateDirectory("dev")}' && mount -t tmpfs tmpfs /dev && "
            + $"for n in null zero urandom random; do touch /dev/$n && mount --bind '{temp["dev"]}'/$n /dev/$n; done && "
            + $"exec {DistriCli.Command} fuse --store '{temp.CreateDirectory("store")}' '{temp.CreateDirectory("ro")}'";
        var result = ExternalTool.Run(unshare, ["-m", "--propagation", "private", "bash", "-c", script]);
        Assert.AreEqual(1, result.ExitCode, result.StandardError);
        Assert.AreEqual("distri fuse: /dev/fuse is missing: load the fuse module (modprobe fuse), or pass the device into this container", result.StandardError.Trim());
    }

    [TestMethod]
    public void AMountPointInUseIsOneClearError()
    {
        Requires.Fuse();
        using var temp = new TempDirectory("fuse-inuse");
        var store = new TestStore(temp);
        using var mount = RoMount.Start(store.Directory, temp.CreateDirectory("ro"));
        var (exitCode, error) = RoMount.RunExpectingFailure(store.Directory, mount.MountPoint);
        Assert.AreNotEqual(0, exitCode);
        StringAssert.Contains(error, $"mount point {mount.MountPoint} is in use (fuse.distri is mounted there)");
        Assert.AreEqual(1, error.Trim().Split('\n').Length, error);
    }

    [TestMethod]
    public void EightThreadsOfAThousandMixedOperationsSucceed()
    {
        Requires.Fuse();
        using var temp = new TempDirectory("fuse-threads");
        var store = new TestStore(temp);
        var data = new byte[300_000];
        new Random(8).NextBytes(data);
        for (var p = 0; p < 4; p++)
        {
            var package = p;
            store.Add($"p{p}-amd64-1-{p + 1}", root =>
            {
                Directory.CreateDirectory(Path.Combine(root, "out/bin"));
                Directory.CreateDirectory(Path.Combine(root, "out/share/doc"));
                for (var f = 0; f < 20; f++)
                    File.WriteAllText(Path.Combine(root, $"out/bin/tool{f}"), $"{package}:{f}");
                File.WriteAllBytes(Path.Combine(root, "out/share/doc/data"), data);
                File.CreateSymbolicLink(Path.Combine(root, "out/bin/link"), "tool0");
            });
        }
        using var mount = RoMount.Start(store.Directory, temp.CreateDirectory("ro"));
        var errors = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var threads = Enumerable.Range(0, 8).Select(t => new Thread(() =>
        {
            var random = new Random(t);
            for (var i = 0; i < 1000; i++)
            {
                var p = random.Next(4);
                var tree = mount[$"p{p}-amd64-1-{p + 1}"];
                try
                {
                    switch (random.Next(7))
                    {
                        case 0:
                            var f = random.Next(20);
                            if (File.ReadAllText(Path.Combine(tree, $"out/bin/tool{f}")) != $"{p}:{f}") errors.Enqueue("wrong content");
                            break;
                        case 1:
                            if (Directory.GetFileSystemEntries(Path.Combine(tree, "out/bin")).Length != 21) errors.Enqueue("wrong listing");
                            break;
                        case 2:
                            if (new FileInfo(Path.Combine(tree, "out/bin/link")).LinkTarget != "tool0") errors.Enqueue("wrong link");
                            break;
                        case 3:
                            using (var stream = File.OpenRead(Path.Combine(tree, "out/share/doc/data")))
                            {
                                var offset = random.Next(data.Length - 5000);
                                var buffer = new byte[5000];
                                stream.Position = offset;
                                stream.ReadExactly(buffer);
                                if (!buffer.AsSpan().SequenceEqual(data.AsSpan(offset, 5000))) errors.Enqueue("wrong data");
                            }
                            break;
                        case 4:
                            if (Directory.GetFileSystemEntries(mount["bin"]).Length != 21) errors.Enqueue("wrong exchange listing");
                            break;
                        case 5:
                            if (new FileInfo(mount[$"bin/tool{random.Next(20)}"]).LinkTarget is not { } target || !target.StartsWith("../p3-amd64-1-4/", StringComparison.Ordinal))
                                errors.Enqueue("wrong exchange winner");
                            break;
                        default:
                            if (File.Exists(Path.Combine(tree, "out/bin/missing" + i))) errors.Enqueue("phantom file");
                            break;
                    }
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    errors.Enqueue(e.Message);
                }
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        Assert.IsTrue(errors.IsEmpty, string.Join('\n', errors.Take(10)) + "\n" + mount.StandardError);
        Assert.AreEqual("", mount.StandardError);
    }
}
