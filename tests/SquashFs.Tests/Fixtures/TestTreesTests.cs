using Distri.Linux;
using Distri.Testing;

namespace SquashFs.Tests.Fixtures;

[TestClass]
public sealed class TestTreesTests
{
    [TestMethod]
    public void AcceptanceTreeIsGeneratedAndEqualsItself()
    {
        using var temp = new TempDirectory("fixture");
        var root = temp["tree"];
        TestTrees.WriteAcceptanceTree(root);

        Assert.AreEqual(TestTrees.BigDirectoryEntries, TreeComparer.ListNames(Path.Combine(root, "big")).Count);
        Assert.AreEqual(0, TreeComparer.Compare(root, root).Count);
    }

    [TestMethod]
    public void ComparerReportsContentModeAndXattrDifferences()
    {
        using var temp = new TempDirectory("fixture");
        TestTrees.WriteSmallTree(temp["a"]);
        TestTrees.WriteSmallTree(temp["b"]);
        File.WriteAllText(temp["b/hello.txt"], "hello, World\n");
        LibC.Chmod(temp["b/dir/data.bin"], 0x1A4);
        LibC.SetXattr(temp["b/dir"], "user.extra", "x"u8);
        TestTrees.SetAllMtimes(temp["b"], 1_700_000_000);

        var differences = TreeComparer.Compare(temp["a"], temp["b"]);

        Assert.IsTrue(differences.Any(d => d.StartsWith("hello.txt: contents differ at byte 7", StringComparison.Ordinal)), string.Join("\n", differences));
        Assert.IsTrue(differences.Any(d => d.StartsWith("dir/data.bin: mode 755 != 644", StringComparison.Ordinal)), string.Join("\n", differences));
        Assert.IsTrue(differences.Any(d => d == "dir: unexpected xattr user.extra"), string.Join("\n", differences));
    }

    [TestMethod]
    public void SparseFileHasItsMarkersAndCostsLittleDisk()
    {
        using var temp = new TempDirectory("fixture");
        var path = temp["sparse"];
        TestTrees.WriteSparseFile(path);

        var st = FixtureNative.LStat(path);
        Assert.AreEqual((ulong)TestTrees.SparseFileSize, st.Size);
        Assert.IsLessThan(1UL << 20, st.Blocks * 512, "the fixture should stay sparse on disk");
        using var handle = File.OpenHandle(path);
        foreach (var offset in TestTrees.SparseDataOffsets())
        {
            var buffer = new byte[16];
            RandomAccess.Read(handle, buffer, offset);
            CollectionAssert.AreEqual(TestTrees.SparseMarker(offset), buffer);
        }
    }
}
