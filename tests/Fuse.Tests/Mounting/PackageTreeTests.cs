using Distri.Testing;

namespace Fuse.Tests.Mounting;

/// <summary>/ro/&lt;full&gt; shows each image exactly.</summary>
[TestClass]
public sealed class PackageTreeTests
{
    [TestMethod]
    public void StatListReadlinkCatAndXattrsMatchTheImage()
    {
        Requires.Fuse();
        var setfattr = Requires.Tool("setfattr");
        var setcap = Requires.Tool("setcap");
        var getfattr = Requires.Tool("getfattr");
        using var temp = new TempDirectory("fuse-tree");
        var store = new TestStore(temp);
        string? source = null;
        var big = new byte[3 * 1024 * 1024 + 17];
        new Random(4).NextBytes(big);
        store.Add("zsh-amd64-5.9-1", root =>
        {
            source = root;
            Directory.CreateDirectory(Path.Combine(root, "out/bin"));
            Directory.CreateDirectory(Path.Combine(root, "out/share/empty"));
            File.WriteAllText(Path.Combine(root, "out/bin/zsh"), "#!/bin/sh\necho zsh\n");
            File.SetUnixFileMode(Path.Combine(root, "out/bin/zsh"), (UnixFileMode)0b111_101_101);
            File.WriteAllBytes(Path.Combine(root, "out/big.bin"), big);
            File.WriteAllText(Path.Combine(root, "out/setuid"), "s");
            File.SetUnixFileMode(Path.Combine(root, "out/setuid"), UnixFileMode.SetUser | (UnixFileMode)0b111_101_101);
            File.CreateSymbolicLink(Path.Combine(root, "out/bin/zsh-5.9"), "zsh");
            File.WriteAllText(Path.Combine(root, "out/ping"), "p");
            ExternalTool.Check(setcap, "cap_net_raw+ep", Path.Combine(root, "out/ping"));
            ExternalTool.Check(setfattr, "-n", "user.distri", "-v", "hello", Path.Combine(root, "out/bin/zsh"));
            File.SetLastWriteTimeUtc(Path.Combine(root, "out/bin/zsh"), new DateTime(2020, 1, 2, 3, 4, 5, DateTimeKind.Utc));
        });
        using var mount = RoMount.Start(store.Directory, temp.CreateDirectory("ro"));
        var tree = mount["zsh-amd64-5.9-1"];

        CollectionAssert.AreEquivalent(
            Directory.EnumerateFileSystemEntries(source!, "*", SearchOption.AllDirectories).Select(p => Path.GetRelativePath(source!, p)).ToList(),
            Directory.EnumerateFileSystemEntries(tree, "*", SearchOption.AllDirectories).Select(p => Path.GetRelativePath(tree, p)).ToList());
        foreach (var path in Directory.EnumerateFileSystemEntries(source!, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(source!, path);
            var expected = new FileInfo(path);
            var actual = new FileInfo(Path.Combine(tree, relative));
            Assert.AreEqual(expected.UnixFileMode, actual.UnixFileMode, relative);
            Assert.AreEqual(expected.LastWriteTimeUtc.AddTicks(-(expected.LastWriteTimeUtc.Ticks % TimeSpan.TicksPerSecond)), actual.LastWriteTimeUtc, relative);
            Assert.AreEqual(expected.LinkTarget, actual.LinkTarget, relative);
            if (expected.LinkTarget is null && !expected.Attributes.HasFlag(FileAttributes.Directory))
                CollectionAssert.AreEqual(File.ReadAllBytes(path), File.ReadAllBytes(actual.FullName), relative);
        }
        StringAssert.Contains(ExternalTool.Check(getfattr, "-n", "user.distri", Path.Combine(tree, "out/bin/zsh")), "user.distri=\"hello\"");
        Assert.AreEqual(
            ExternalTool.Check(getfattr, "-n", "security.capability", "-e", "hex", Path.Combine(source!, "out/ping")).Split('\n')[1],
            ExternalTool.Check(getfattr, "-n", "security.capability", "-e", "hex", Path.Combine(tree, "out/ping")).Split('\n')[1]);
        Assert.AreEqual(1, ExternalTool.Run(getfattr, ["-n", "user.absent", Path.Combine(tree, "out/bin/zsh")]).ExitCode, "a missing xattr is ENODATA");
    }

    [TestMethod]
    public void ListingTheRootDoesNotOpenImagesAndACorruptImageOnlyBreaksItsOwnTree()
    {
        Requires.Fuse();
        using var temp = new TempDirectory("fuse-corrupt");
        var store = new TestStore(temp);
        store.Add("good-amd64-1-1", ("bin/good", "fine"));
        var bad = store.Add("bad-amd64-1-1", ("bin/bad", "never seen"));
        File.WriteAllBytes(bad, new byte[100]); // truncated to nothing useful
        File.WriteAllText(Path.Combine(store.Directory, "not a package.squashfs"), "ignored");
        using var mount = RoMount.Start(store.Directory, temp.CreateDirectory("ro"));

        CollectionAssert.AreEqual(
            new[] { "bad-amd64-1-1", "bin", "good-amd64-1-1", "include", "lib", "sbin", "share" },
            Directory.GetFileSystemEntries(mount.MountPoint).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray());
        Assert.AreEqual("", mount.StandardError, "listing /ro must not open any image");

        for (var i = 0; i < 3; i++)
            Assert.ThrowsExactly<IOException>(() => Directory.GetFileSystemEntries(mount["bad-amd64-1-1"]));
        Assert.AreEqual("fine", File.ReadAllText(mount["bin/good"]));
        Assert.AreEqual("fine", File.ReadAllText(mount["good-amd64-1-1/out/bin/good"]));
        int Mentions() => mount.StandardError.Split('\n').Count(l => l.Contains("bad-amd64-1-1.squashfs", StringComparison.Ordinal));
        RoMount.Eventually(() => Mentions() > 0, TimeSpan.FromSeconds(5));
        Assert.AreEqual(1, Mentions(), $"logged once with the file name:\n{mount.StandardError}");
    }
}
