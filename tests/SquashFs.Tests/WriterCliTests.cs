using Distri.Linux;
using Distri.Testing;
using SquashFs.Tests.Fixtures;

namespace SquashFs.Tests;

/// <summary><c>distri mkimage</c>, run as a real process.</summary>
[TestClass]
public sealed class WriterCliTests
{
    [TestMethod]
    public void MkImageWritesAMountableImage()
    {
        using var temp = new TempDirectory("cli-mkimage");
        TestTrees.WriteSmallTree(temp["source"]);

        var r = DistriCli.Run("mkimage", temp["source"], temp["image.sqfs"]);

        Assert.AreEqual(0, r.ExitCode, r.StandardError);
        Assert.AreEqual("", r.StandardError);
        var listing = ExternalTool.Check(Requires.Tool("unsquashfs"), "-l", "-n", temp["image.sqfs"]);
        StringAssert.Contains(listing, "squashfs-root/dir/data.bin");
    }

    [TestMethod]
    public void MkImageMtimeOptionSetsEveryMtime()
    {
        using var temp = new TempDirectory("cli-mkimage");
        TestTrees.WriteSmallTree(temp["source"]);

        var r = DistriCli.Run("mkimage", temp["source"], temp["image.sqfs"], "--mtime", "86400");

        Assert.AreEqual(0, r.ExitCode, r.StandardError);
        Requires.LoopMounts();
        using var mount = ImageMount.Kernel(temp["image.sqfs"], temp["mnt"]);
        TreeComparer.AssertSame(temp["source"], mount.Path, new TreeCompareOptions { MtimeOverride = 86400 });
    }

    [TestMethod]
    public void MkImageWithMissingSourceFailsOnStderr()
    {
        using var temp = new TempDirectory("cli-mkimage");

        var r = DistriCli.Run("mkimage", temp["missing"], temp["image.sqfs"]);

        Assert.AreNotEqual(0, r.ExitCode);
        StringAssert.StartsWith(r.StandardError, "distri mkimage: ");
        StringAssert.Contains(r.StandardError, temp["missing"]);
        Assert.DoesNotContain("   at ", r.StandardError, "no stack trace for an expected error");
        Assert.IsFalse(File.Exists(temp["image.sqfs"]));
    }

    [TestMethod]
    public void MkImageFailureLeavesAnExistingImageUntouched()
    {
        using var temp = new TempDirectory("cli-mkimage");
        TestTrees.WriteSmallTree(temp["source"]);
        LibC.MakeFifo(temp["source/pipe"]);
        var output = temp.CreateDirectory("out");
        File.WriteAllText(Path.Combine(output, "image.sqfs"), "previous image");

        var r = DistriCli.Run("mkimage", temp["source"], Path.Combine(output, "image.sqfs"));

        Assert.AreNotEqual(0, r.ExitCode);
        StringAssert.Contains(r.StandardError, "pipe");
        Assert.AreEqual("previous image", File.ReadAllText(Path.Combine(output, "image.sqfs")));
        Assert.HasCount(1, Directory.GetFileSystemEntries(output), "no temporary file may remain");
    }
}
