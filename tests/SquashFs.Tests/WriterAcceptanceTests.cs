using System.Text.RegularExpressions;
using Distri.SquashFs;
using Distri.Testing;
using SquashFs.Tests.Fixtures;

namespace SquashFs.Tests;

/// <summary>
/// The acceptance tree written once by our writer, then checked by the kernel, unsquashfs and
/// squashfuse against the source.
/// </summary>
[TestClass]
public sealed class WriterAcceptanceTests
{
    private static TempDirectory s_temp = null!;
    private static string s_source = null!;
    private static string s_image = null!;

    [ClassInitialize]
    public static void WriteAcceptanceImage(TestContext _)
    {
        s_temp = new TempDirectory("writer-acceptance");
        s_source = s_temp["source"];
        TestTrees.WriteAcceptanceTree(s_source);
        s_image = s_temp["acceptance.sqfs"];
        SquashFsWriter.Write(s_source, s_image);
    }

    [ClassCleanup]
    public static void Cleanup() => s_temp.Dispose();

    [TestMethod]
    public void KernelMountShowsTheSourceTree()
    {
        Requires.LoopMounts();
        using var temp = new TempDirectory("writer-kernel");
        using var mount = ImageMount.Kernel(s_image, temp["mnt"]);

        TreeComparer.AssertSame(s_source, mount.Path);
    }

    [TestMethod]
    public void KernelLooksUpEveryNameOfTheBigDirectory()
    {
        // Lookups go through the directory index, unlike the readdir of the tree comparison.
        Requires.LoopMounts();
        using var temp = new TempDirectory("writer-kernel");
        using var mount = ImageMount.Kernel(s_image, temp["mnt"]);

        foreach (var name in TreeComparer.ListNames(Path.Combine(s_source, "big")))
        {
            var rc = FixtureNative.LStat(Path.Combine(mount.Path, "big", name));
            Assert.AreEqual(FixtureNative.LStat(Path.Combine(s_source, "big", name)).FileType, rc.FileType, name);
        }
        Assert.IsFalse(File.Exists(Path.Combine(mount.Path, "big", "entry-99999")));
        Assert.IsFalse(File.Exists(Path.Combine(mount.Path, "big", "entry-00050-")), "a prefix of an existing name is not a match");
    }

    [TestMethod]
    public void SquashfuseMountShowsTheSourceTree()
    {
        Requires.Fuse();
        using var temp = new TempDirectory("writer-fuse");
        using var mount = ImageMount.SquashFuse(s_image, temp["mnt"]);

        // squashfuse 0.1.105 (Debian 12) swaps trusted.* and security.*, cannot read empty xattr values,
        // and numbers inodes itself, for mksquashfs images just the same; the kernel test checks those.
        TreeComparer.AssertSame(s_source, mount.Path, new TreeCompareOptions
        {
            IgnoreEmptyXattrValues = true,
            XattrPrefixes = ["user."],
            SharedInodes = false,
        });
    }

    [TestMethod]
    public void UnsquashfsExtractsTheSameTree()
    {
        Requires.Root(); // to restore owners and trusted.*/security.* xattrs
        var unsquashfs = Requires.Tool("unsquashfs");
        using var temp = new TempDirectory("writer-unsquashfs");
        var target = temp["extracted"];

        ExternalTool.Check(unsquashfs, "-no-progress", "-d", target, s_image);

        TreeComparer.AssertSame(s_source, target);
    }

    [TestMethod]
    public void UnsquashfsListsTheSameEntries()
    {
        var unsquashfs = Requires.Tool("unsquashfs");
        var listing = ExternalTool.Check(unsquashfs, "-lls", "-n", s_image);

        var expected = TreeComparer.ListRecursive(s_source).ToList();
        Assert.AreEqual(expected.Count, Regex.Matches(listing, " squashfs-root/").Count, "entries listed by unsquashfs -lls");
        var modes = new Dictionary<string, string>();
        foreach (Match m in Regex.Matches(listing, @"^(\S{10}) .*? squashfs-root/(.*?)(?: -> .*)?$", RegexOptions.Multiline))
            modes[m.Groups[2].Value] = m.Groups[1].Value;
        foreach (var relative in expected.Where(p => !p.Contains('\n')))
        {
            var mode = ModeString(FixtureNative.LStat(Path.Combine(s_source, relative)).Mode);
            Assert.AreEqual(mode, modes.GetValueOrDefault(relative), $"unsquashfs -lls entry for '{relative}'");
        }
    }

    [TestMethod]
    public void SecondWriteIsByteIdentical()
    {
        using var temp = new TempDirectory("writer-repro");
        var again = temp["again.sqfs"];

        SquashFsWriter.Write(s_source, again);

        Assert.IsTrue(File.ReadAllBytes(s_image).AsSpan().SequenceEqual(File.ReadAllBytes(again)), "two writes of one tree differ");
    }

    [TestMethod]
    public void ImageIsPaddedToFourKibibytes()
    {
        Assert.AreEqual(0, new FileInfo(s_image).Length % 4096);
    }

    /// <summary>ls -l style mode string, as unsquashfs prints it.</summary>
    internal static string ModeString(uint mode)
    {
        var type = (mode & 0xF000) switch
        {
            0x4000 => 'd', 0xA000 => 'l', 0x6000 => 'b', 0x2000 => 'c', 0x1000 => 'p', 0xC000 => 's', _ => '-',
        };
        var s = new char[10];
        s[0] = type;
        const string rwx = "rwxrwxrwx";
        for (var i = 0; i < 9; i++) s[i + 1] = (mode & (1u << (8 - i))) != 0 ? rwx[i] : '-';
        if ((mode & 0x800) != 0) s[3] = s[3] == 'x' ? 's' : 'S';
        if ((mode & 0x400) != 0) s[6] = s[6] == 'x' ? 's' : 'S';
        if ((mode & 0x200) != 0) s[9] = s[9] == 'x' ? 't' : 'T';
        return new string(s);
    }
}
