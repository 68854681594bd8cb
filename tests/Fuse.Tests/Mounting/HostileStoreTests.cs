using Distri.Fuse.Control;
using Distri.Testing;

namespace Fuse.Tests.Mounting;

/// <summary>
/// /ro over store content that is broken or made to hurt: the daemon never dies from it, logs a
/// bad package once, and keeps serving every good one.
/// </summary>
[TestClass]
public sealed class HostileStoreTests
{
    private static void AssertServing(RoMount mount, string package, string file, string content)
    {
        Assert.IsFalse(mount.Process.HasExited, "the daemon died:\n" + mount.StandardError);
        Assert.AreEqual(content, File.ReadAllText(mount[$"{package}/out/{file}"]), mount.StandardError);
    }

    private static int Occurrences(string text, string part) => text.Split(part).Length - 1;

    [TestMethod]
    [DataRow("exchangeDirectories: ~\n")]
    [DataRow("exchangeDirectories:\n- ~\n")]
    [DataRow("exchangeDirectories:\n- directory: ~\n  host: good\n")]
    [DataRow("exchangeDirectories:\n- directory: lib/x\n  host: ~\n")]
    public void AMetaWithNullExchangeDirectoriesNeitherStopsTheDaemonNorHidesThePackage(string exchange)
    {
        Requires.Fuse();
        using var temp = new TempDirectory("fuse-nullmeta");
        var store = new TestStore(temp);
        store.Add("good-amd64-1-1", ("bin/good", "good"));
        store.Add("bad-amd64-1-1", root => TestStore.Fill(root, ("bin/bad", "bad")), metaText: "name: bad\nversion: 1\nrevision: 1\n" + exchange);
        using var mount = RoMount.Start(store.Directory, temp.CreateDirectory("ro"));

        AssertServing(mount, "good-amd64-1-1", "bin/good", "good");
        AssertServing(mount, "bad-amd64-1-1", "bin/bad", "bad");
        Assert.AreEqual("bad", File.ReadAllText(mount["bin/bad"]), "only the meta's joins are lost");
        Assert.IsLessThanOrEqualTo(1, Occurrences(mount.StandardError, "bad-amd64-1-1.meta.yaml"), mount.StandardError);
    }

    [TestMethod]
    public void AMetaWithNullExchangeDirectoriesArrivingWhileMountedLeavesTheDaemonServing()
    {
        Requires.Fuse();
        using var temp = new TempDirectory("fuse-nullmeta-live");
        var store = new TestStore(temp);
        store.Add("good-amd64-1-1", ("bin/good", "good"));
        using var mount = RoMount.Start(store.Directory, temp.CreateDirectory("ro"));

        // inotify's rescan timer reads the new meta.
        store.Add("bad-amd64-1-1", root => TestStore.Fill(root, ("bin/bad", "bad")), metaText: "name: bad\nexchangeDirectories: ~\n");
        Assert.IsTrue(RoMount.Eventually(() => mount.Process.HasExited || Directory.Exists(mount["bad-amd64-1-1"]), TimeSpan.FromSeconds(30)), "the rescan happened");
        AssertServing(mount, "good-amd64-1-1", "bin/good", "good");
        AssertServing(mount, "bad-amd64-1-1", "bin/bad", "bad");
        Assert.AreEqual(1, FuseControl.RescanAllAsync(store.Directory, TimeSpan.FromSeconds(30)).GetAwaiter().GetResult(), "the control socket still answers");
    }

    [TestMethod]
    public void TwoSpellingsOfOneRevisionShowOnlyTheCanonicalOne()
    {
        Requires.Fuse();
        using var temp = new TempDirectory("fuse-dupname");
        var store = new TestStore(temp);
        var image = store.Add("hello-amd64-2.10-1", ("bin/hello", "hello"));
        File.Copy(image, Path.Combine(store.Directory, "hello-amd64-2.10-01.squashfs"));
        using var mount = RoMount.Start(store.Directory, temp.CreateDirectory("ro"));

        CollectionAssert.Contains(Directory.GetDirectories(mount.MountPoint).Select(Path.GetFileName).ToArray(), "hello-amd64-2.10-1");
        Assert.IsFalse(Directory.Exists(mount["hello-amd64-2.10-01"]), "a revision with a leading zero is not a package name");
        AssertServing(mount, "hello-amd64-2.10-1", "bin/hello", "hello");
    }

    [TestMethod]
    [DataRow(1L << 31)]
    [DataRow(long.MaxValue)]
    public void ReaddirFromAnOffsetPastTheEndReturnsNothingAndLogsNothing(long offset)
    {
        Requires.Fuse();
        using var temp = new TempDirectory("fuse-seekdir");
        var store = new TestStore(temp);
        store.Add("a-amd64-1-1", ("bin/a", "a"));
        using var mount = RoMount.Start(store.Directory, temp.CreateDirectory("ro"));

        foreach (var directory in new[] { mount.MountPoint, mount["bin"], mount["a-amd64-1-1/out/bin"] })
        {
            var fd = Posix.Open(directory);
            try
            {
                Assert.AreEqual(0L, Posix.ReadFrom(fd, offset), $"{directory}: end of directory, not an error");
                Assert.IsGreaterThan(0L, Posix.ReadFrom(fd, 0), $"{directory}: still lists from the start");
            }
            finally
            {
                Posix.Close(fd);
            }
        }
        Assert.AreEqual("", mount.StandardError.Trim(), "nothing logged");
    }

    [TestMethod]
    public void XattrsSharingOneHugeValueAreReadOnlyAsAskedAndMemoryStaysBounded()
    {
        Requires.Fuse();
        using var temp = new TempDirectory("fuse-xattr-bomb");
        var store = new TestStore(temp);
        store.Add("good-amd64-1-1", ("bin/good", "good"));
        var image = store.Add("bomb-amd64-1-1", root =>
        {
            TestStore.Fill(root, ("file", "x"));
            Posix.SetXattr(Path.Combine(root, "out/file"), "user.x", "1"u8.ToArray());
        });
        const int sharers = 4000; // 4000 × 64 KiB = 250 MiB per call if every value were decoded
        CraftedImages.ShareOneXattrValue(image, sharers);
        using var mount = RoMount.Start(store.Directory, temp.CreateDirectory("ro"));
        var file = mount["bomb-amd64-1-1/out/file"];
        Assert.AreEqual("x", File.ReadAllText(file));
        var before = mount.MemoryKilobytes("VmRSS");

        const int ENODATA = 61, ERANGE = 34;
        for (var i = 0; i < 20; i++)
        {
            Assert.AreEqual(-ENODATA, Posix.GetXattr(file, "security.capability", 0), "exec's question");
            Assert.AreEqual(65536L, Posix.GetXattr(file, $"user.a{i:D4}", 0), "the size alone");
            Assert.AreEqual(65536L, Posix.GetXattr(file, $"user.a{i:D4}", 65536));
            Assert.AreEqual(-ERANGE, Posix.GetXattr(file, "user.v", 100), "a buffer too small");
            Assert.AreEqual(7L + sharers * 11L, Posix.ListXattr(file, 65536), "user.v and user.aNNNN, each NUL-terminated");
        }

        var grown = mount.MemoryKilobytes("VmHWM") - before;
        Assert.IsLessThan(100 * 1024L, grown, $"the daemon's peak grew by {grown} kB");
        AssertServing(mount, "good-amd64-1-1", "bin/good", "good");
    }

    [TestMethod]
    public void ADirectoryLoopInAnExchangeDirectoryEndsTheWalkAndIsLoggedOnce()
    {
        Requires.Fuse();
        using var temp = new TempDirectory("fuse-loop");
        var store = new TestStore(temp);
        store.Add("good-amd64-1-1", ("share/good/readme", "good"));
        var image = store.Add("loop-amd64-1-1", ("share/doc", "d"), ("share/sub/", ""));
        CraftedImages.LoopBack(image, "out/share", "sub");
        using var mount = RoMount.Start(store.Directory, temp.CreateDirectory("ro"));

        var seen = new List<string>();
        var pending = new Stack<string>([mount["share"]]);
        // Bounded by count and by path length (PATH_MAX is 4096): a loop would go on without end.
        while (seen.Count < 10_000 && pending.TryPop(out var directory))
        {
            if (directory.Length > 2000) break;
            try
            {
                foreach (var entry in new DirectoryInfo(directory).EnumerateFileSystemInfos())
                {
                    seen.Add(entry.FullName);
                    if (entry is DirectoryInfo && entry.LinkTarget is null) pending.Push(entry.FullName);
                }
            }
            catch (IOException)
            {
                // A directory of the broken package may answer EIO; the walk goes on.
            }
        }
        Assert.IsLessThan(10, seen.Count, "the walk ends: " + string.Join(", ", seen.Take(20)));
        Assert.AreEqual("good", File.ReadAllText(mount["share/good/readme"]));
        Assert.IsFalse(mount.Process.HasExited, mount.StandardError);
        // The daemon's stderr is read asynchronously: on a loaded machine the line may still be on its way.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!mount.StandardError.Contains("directory loop", StringComparison.Ordinal) && clock.Elapsed < TimeSpan.FromSeconds(10))
            Thread.Sleep(50);
        Assert.AreEqual(1, Occurrences(mount.StandardError, "loop-amd64-1-1.squashfs"), mount.StandardError);
        StringAssert.Contains(mount.StandardError, "directory loop");
    }

    [TestMethod]
    public void OpenDirectoryHandlesDoNotEachHoldTheListing()
    {
        Requires.Fuse();
        using var temp = new TempDirectory("fuse-opendir");
        var store = new TestStore(temp);
        const int entries = 30_000;
        store.Add("big-amd64-1-1", root =>
        {
            var directory = Directory.CreateDirectory(Path.Combine(root, "out/many")).FullName;
            var padding = new string('n', 200);
            for (var i = 0; i < entries; i++) File.WriteAllBytes(Path.Combine(directory, $"{i:D6}{padding}"), []);
        });
        using var mount = RoMount.Start(store.Directory, temp.CreateDirectory("ro"));
        var many = mount["big-amd64-1-1/out/many"];
        Assert.AreEqual(entries, Directory.EnumerateFileSystemEntries(many).Count(), "warms the daemon's block cache");
        var before = mount.MemoryKilobytes("VmRSS");

        var handles = new List<int>();
        try
        {
            for (var i = 0; i < 64; i++)
            {
                var fd = Posix.Open(many);
                handles.Add(fd);
                Assert.IsGreaterThan(0L, Posix.ReadFrom(fd, 0), "each handle lists");
            }
            // About 250 bytes an entry: 64 handles each holding the listing would take ~480 MB.
            var grown = mount.MemoryKilobytes("VmRSS") - before;
            Assert.IsLessThan(100 * 1024L, grown, $"the daemon grew by {grown} kB with {handles.Count} open handles");
            Assert.IsGreaterThan(0L, Posix.ReadFrom(handles[0], entries / 2), "seekdir into the middle still lists");
        }
        finally
        {
            handles.ForEach(Posix.Close);
        }
    }

    [TestMethod]
    public void AnImageSeenWhileStillBeingCopiedIsReadOnceTheCopyIsComplete()
    {
        Requires.Fuse();
        using var temp = new TempDirectory("fuse-slowcopy");
        var store = new TestStore(temp);
        var image = store.Add("slow-amd64-1-1", ("bin/slow", "slow"));
        var complete = File.ReadAllBytes(image);
        var half = (int)BitConverter.ToInt64(complete, 40) / 2; // of the bytes used (the image is padded)
        File.WriteAllBytes(image, complete[..half]); // the copy so far
        using var mount = RoMount.Start(store.Directory, temp.CreateDirectory("ro"));
        Assert.ThrowsExactly<IOException>(() => File.ReadAllText(mount["slow-amd64-1-1/out/bin/slow"]), "half an image is broken");

        using (var rest = new FileStream(image, FileMode.Append)) rest.Write(complete, half, complete.Length - half);
        Assert.IsTrue(RoMount.Eventually(() =>
        {
            try
            {
                return File.ReadAllText(mount["slow-amd64-1-1/out/bin/slow"]) == "slow";
            }
            catch (IOException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(10)), "the finished copy is read (inotify saw the write):\n" + mount.StandardError);
    }

    [TestMethod]
    public void AnImageReplacedUnderItsNameServesTheNewContentsAfterARescan()
    {
        Requires.Fuse();
        using var temp = new TempDirectory("fuse-replace");
        var store = new TestStore(temp);
        store.Add("pkg-amd64-1-1", ("bin/tool", "old"));
        using var mount = RoMount.Start(store.Directory, temp.CreateDirectory("ro"));
        Assert.AreEqual("old", File.ReadAllText(mount["pkg-amd64-1-1/out/bin/tool"]));

        using var otherTemp = new TempDirectory("fuse-replace-new");
        var other = new TestStore(otherTemp);
        File.Move(other.Add("pkg-amd64-1-1", ("bin/tool", "new!")), Path.Combine(store.Directory, "pkg-amd64-1-1.squashfs"), overwrite: true);
        Assert.AreEqual(1, FuseControl.RescanAllAsync(store.Directory, TimeSpan.FromSeconds(30)).GetAwaiter().GetResult());
        Assert.AreEqual("new!", File.ReadAllText(mount["pkg-amd64-1-1/out/bin/tool"]));
        Assert.AreEqual("new!", File.ReadAllText(mount["bin/tool"]));
    }

    [TestMethod]
    public void ARemovedImageIsClosedOnceNothingUsesItSoItsSpaceIsFreed()
    {
        Requires.Fuse();
        using var temp = new TempDirectory("fuse-gc");
        var store = new TestStore(temp);
        store.Add("keep-amd64-1-1", ("bin/keep", "keep"));
        var image = store.Add("gone-amd64-1-1", ("bin/gone", "gone"));
        using var mount = RoMount.Start(store.Directory, temp.CreateDirectory("ro"));
        Assert.AreEqual("gone", File.ReadAllText(mount["gone-amd64-1-1/out/bin/gone"]));
        Assert.AreEqual("gone", File.ReadAllText(mount["bin/gone"]));
        bool Open() => Directory.EnumerateFiles($"/proc/{mount.Process.Id}/fd").Any(fd => new FileInfo(fd).LinkTarget?.StartsWith(image, StringComparison.Ordinal) == true);
        Assert.IsTrue(Open(), "the daemon reads the image");

        store.Remove("gone-amd64-1-1");
        Assert.AreEqual(1, FuseControl.RescanAllAsync(store.Directory, TimeSpan.FromSeconds(30)).GetAwaiter().GetResult());
        Assert.IsTrue(RoMount.Eventually(() => !Open(), TimeSpan.FromSeconds(10)), "the deleted image is closed once the kernel forgot its nodes");
        AssertServing(mount, "keep-amd64-1-1", "bin/keep", "keep");
    }
}
