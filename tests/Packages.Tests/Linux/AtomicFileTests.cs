using Distri.Linux;
using Distri.Testing;

namespace Distri.Packages.Tests.Linux;

[TestClass]
public sealed class AtomicFileTests
{
    [TestMethod]
    public void WriteReplacesTheFileWithoutFollowingASymlinkAtIt()
    {
        using var dir = new TempDirectory("atomic");
        File.WriteAllText(dir["victim"], "precious\n");
        File.CreateSymbolicLink(dir["index.yaml"], dir["victim"]);

        AtomicFile.WriteAllText(dir["index.yaml"], "packages: []\n");

        Assert.AreEqual("precious\n", File.ReadAllText(dir["victim"]));
        Assert.AreEqual("packages: []\n", File.ReadAllText(dir["index.yaml"]));
        Assert.IsNull(new FileInfo(dir["index.yaml"]).LinkTarget);
    }

    [TestMethod]
    public void AFailedWriteLeavesTheOldFileAndNoTempFile()
    {
        using var dir = new TempDirectory("atomic");
        File.WriteAllText(dir["file"], "old");

        Assert.ThrowsExactly<InvalidOperationException>(() => AtomicFile.Write(dir["file"], stream =>
        {
            stream.Write("half"u8);
            throw new InvalidOperationException("the writer failed");
        }));

        Assert.AreEqual("old", File.ReadAllText(dir["file"]));
        CollectionAssert.AreEqual(new[] { "file" }, Directory.GetFileSystemEntries(dir.Path).Select(Path.GetFileName).ToArray());
    }

    [TestMethod]
    public void FinishRunsOnTheTempFileBeforeTheRename()
    {
        using var dir = new TempDirectory("atomic");
        var time = new DateTime(2001, 2, 3, 4, 5, 6, DateTimeKind.Utc);

        AtomicFile.Write(dir["file"], stream => stream.Write("x"u8), finish: temp =>
        {
            Assert.IsFalse(File.Exists(dir["file"]), "not renamed yet");
            File.SetLastWriteTimeUtc(temp, time);
        });

        Assert.AreEqual(time, File.GetLastWriteTimeUtc(dir["file"]));
    }

    [TestMethod]
    public void WriteIfChangedLeavesAnEqualFileAlone()
    {
        using var dir = new TempDirectory("atomic");
        File.WriteAllText(dir["spec"], "same");
        var time = new DateTime(2001, 2, 3, 4, 5, 6, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(dir["spec"], time);

        Assert.IsFalse(AtomicFile.WriteIfChanged(dir["spec"], "same"));
        Assert.AreEqual(time, File.GetLastWriteTimeUtc(dir["spec"]), "its time is an incremental-build input");
        Assert.IsTrue(AtomicFile.WriteIfChanged(dir["spec"], "other"));
        Assert.AreEqual("other", File.ReadAllText(dir["spec"]));
    }

    [TestMethod]
    public void TempPathsAreHiddenBesideTheFileAndNeverRepeat()
    {
        var a = AtomicFile.TempPath("/repo/pkg/zsh-amd64-5.9-1.squashfs");
        var b = AtomicFile.TempPath("/repo/pkg/zsh-amd64-5.9-1.squashfs");

        Assert.AreEqual("/repo/pkg", Path.GetDirectoryName(a));
        StringAssert.StartsWith(Path.GetFileName(a), ".zsh-amd64-5.9-1.squashfs.");
        Assert.AreNotEqual(a, b);
    }
}
