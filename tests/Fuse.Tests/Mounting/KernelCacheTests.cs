using Distri.Testing;

namespace Fuse.Tests.Mounting;

/// <summary>
/// An image never changes under its node ids, so the kernel may keep all the daemon tells it about
/// one, and /ro costs round trips only where the kernel has nothing yet. These count the requests
/// that reach the daemon (its control socket's <c>requests</c>) while walking relative to a
/// directory handle, so no path above the handle is looked up again.
/// </summary>
[TestClass]
public sealed class KernelCacheTests
{
    private const int ENOENT = 2;

    private static readonly string[] RoundTrips = ["lookup", "getattr", "readlink", "open", "read", "opendir", "readdir", "readdirplus", "releasedir", "getxattr", "listxattr"];

    private static RoMount MountTree(TempDirectory temp, out string store)
    {
        var tree = new TestStore(temp);
        store = tree.Directory;
        tree.Add("tree-amd64-1-1", root =>
        {
            for (var d = 0; d < 5; d++)
            {
                var directory = Directory.CreateDirectory(Path.Combine(root, $"out/dir{d}")).FullName;
                for (var f = 0; f < 200; f++) File.WriteAllText(Path.Combine(directory, $"file{f}"), $"{d}/{f}");
                File.CreateSymbolicLink(Path.Combine(directory, "link"), "file0");
            }
        });
        return RoMount.Start(tree.Directory, temp.CreateDirectory("ro"));
    }

    private static Dictionary<string, long> Delta(Dictionary<string, long> before, Dictionary<string, long> after) =>
        RoundTrips.ToDictionary(k => k, k => after[k] - before[k]);

    private static string Show(Dictionary<string, long> counts) => string.Join(' ', counts.Select(kv => $"{kv.Key}={kv.Value}"));

    [TestMethod]
    public void ListingAnImageDirectoryAnswersForItsEntriesSoStatsNeedNoLookup()
    {
        Requires.Fuse();
        using var temp = new TempDirectory("fuse-rdplus");
        using var mount = MountTree(temp, out var store);
        var fd = Posix.Open(mount["tree-amd64-1-1/out/dir0"]);
        try
        {
            var before = DaemonRequests.Of(mount, store);
            var entries = Posix.List(fd);
            foreach (var (name, _) in entries) Assert.AreEqual(0, Posix.StatAt(fd, name), name);
            var delta = Delta(before, DaemonRequests.Of(mount, store));

            Assert.HasCount(201, entries);
            Assert.AreEqual(0L, delta["lookup"], $"readdirplus answered for every name: {Show(delta)}");
            Assert.AreEqual(0L, delta["getattr"], Show(delta));
            Assert.IsGreaterThan(0L, delta["readdirplus"], Show(delta));
        }
        finally
        {
            Posix.Close(fd);
        }
    }

    [TestMethod]
    public void ASecondWalkOfAnImageTreeSendsNoRequest()
    {
        Requires.Fuse();
        using var temp = new TempDirectory("fuse-warm");
        using var mount = MountTree(temp, out var store);
        var fd = Posix.Open(mount["tree-amd64-1-1/out"]);
        try
        {
            Assert.AreEqual(5 + 5 * 201, Posix.WalkAt(fd, readFiles: true));
            var before = DaemonRequests.Of(mount, store);
            Assert.AreEqual(5 + 5 * 201, Posix.WalkAt(fd, readFiles: true));
            var delta = Delta(before, DaemonRequests.Of(mount, store));

            Assert.IsTrue(delta.Values.All(n => n == 0), $"entries, attributes, listings and contents all came from the kernel's caches: {Show(delta)}");
        }
        finally
        {
            Posix.Close(fd);
        }
    }

    [TestMethod]
    public void AnAbsentNameInAnImageIsAskedForOnce()
    {
        Requires.Fuse();
        using var temp = new TempDirectory("fuse-negative");
        using var mount = MountTree(temp, out var store);
        var fd = Posix.Open(mount["tree-amd64-1-1/out/dir1"]);
        try
        {
            var before = DaemonRequests.Of(mount, store);
            Assert.AreEqual(-ENOENT, Posix.StatAt(fd, "missing"));
            Assert.AreEqual(-ENOENT, Posix.StatAt(fd, "missing"));
            Assert.AreEqual(1L, Delta(before, DaemonRequests.Of(mount, store))["lookup"], "the kernel keeps the negative entry");
        }
        finally
        {
            Posix.Close(fd);
        }
    }

    [TestMethod]
    public void OpeningFilesAndDirectoriesCostsNoRoundTrip()
    {
        Requires.Fuse();
        using var temp = new TempDirectory("fuse-noopen");
        using var mount = MountTree(temp, out var store);
        var fd = Posix.Open(mount["tree-amd64-1-1/out"]);
        try
        {
            Posix.WalkAt(fd, readFiles: true);
            var counts = DaemonRequests.Of(mount, store);

            // The first open of each kind is answered ENOSYS, which tells the kernel not to ask again.
            Assert.IsLessThanOrEqualTo(1L, counts["open"], $"1000 files opened: {Show(counts)}");
            Assert.IsLessThanOrEqualTo(1L, counts["opendir"], $"7 directories opened: {Show(counts)}");
            Assert.AreEqual(0L, counts["release"] + counts["releasedir"], Show(counts));
        }
        finally
        {
            Posix.Close(fd);
        }
    }
}
