using Distri.Linux;
using Distri.Testing;

namespace Distri.Packages.Tests.Linux;

[TestClass]
public sealed class MountTableTests
{
    [TestMethod]
    public void ALineGivesMountPointTypeAndSourceWithOptionalFieldsSkipped()
    {
        var mount = MountTable.Parse("36 35 98:0 / /mnt/ro rw,noatime master:1 shared:2 - fuse.distri distri rw,user_id=0");

        Assert.AreEqual(new MountTable.Mount("/mnt/ro", "fuse.distri", "distri"), mount);
    }

    [TestMethod]
    [DataRow(@"/tmp/a\040b", "/tmp/a b")]
    [DataRow(@"/tmp/tab\011and\012newline", "/tmp/tab\tand\nnewline")]
    [DataRow(@"/tmp/back\134slash", @"/tmp/back\slash")]
    [DataRow(@"/tmp/\303\244", "/tmp/ä")]
    [DataRow(@"/tmp/not\8escaped\04", @"/tmp/not\8escaped\04")]
    public void OctalEscapesAreDecodedAsBytes(string field, string path)
    {
        Assert.AreEqual(path, MountTable.Unescape(field));
    }

    [TestMethod]
    public void ReadListsTheMountsInTheOrderTheyWereMade()
    {
        using var dir = new TempDirectory("mountinfo");
        File.WriteAllText(dir["mountinfo"], "1 0 0:1 / / rw - ext4 /dev/sda rw\n2 1 0:2 / /proc rw - proc proc rw\n3 1 0:3 / /proc rw - tmpfs none rw\n");

        var mounts = MountTable.Read(dir["mountinfo"]).ToList();

        Assert.HasCount(3, mounts);
        Assert.AreEqual("tmpfs", mounts.Last(m => m.MountPoint == "/proc").FileSystemType);
    }

    [TestMethod]
    public void ThisProcessSeesItsRootMounted()
    {
        Assert.IsTrue(MountTable.IsMounted("/"));
        Assert.IsNotNull(MountTable.FileSystemAt("/proc"));
        Assert.IsFalse(MountTable.IsMounted("/proc/self"));
    }
}
