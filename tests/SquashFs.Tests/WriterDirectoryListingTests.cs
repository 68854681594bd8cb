using System.Buffers.Binary;
using System.Text;
using Distri.SquashFs;
using Distri.SquashFs.Writing;

namespace SquashFs.Tests;

/// <summary>The directory table encoding: runs, their splits, and the directory index.</summary>
[TestClass]
public sealed class WriterDirectoryListingTests
{
    private static List<SourceNode> Children(int count, Func<int, (uint Number, long Reference)> inode, int nameLength = 20)
    {
        var children = new List<SourceNode>();
        for (var i = 0; i < count; i++)
        {
            var (number, reference) = inode(i);
            var name = Encoding.ASCII.GetBytes(i.ToString("D8").PadRight(nameLength, 'x'));
            children.Add(new SourceNode(name, new ImageInode
            {
                Type = SquashFsEntryType.File, Permissions = 0x1A4, UidIndex = 0, GidIndex = 0, Mtime = 0,
                XattrId = XattrTable.None, SourceId = (0, 0, (ulong)i), Number = number, Reference = reference,
            }));
        }
        return children;
    }

    /// <summary>Decodes a listing into its runs: (offset of the header, count, block, base number).</summary>
    private static List<(int Offset, int Count, uint Block, uint Number, string FirstName)> Runs(byte[] bytes)
    {
        var runs = new List<(int, int, uint, uint, string)>();
        var p = 0;
        while (p < bytes.Length)
        {
            var count = (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(p)) + 1;
            var block = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(p + 4));
            var number = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(p + 8));
            var q = p + 12;
            string first = "";
            for (var i = 0; i < count; i++)
            {
                var size = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(q + 6)) + 1;
                if (i == 0) first = Encoding.ASCII.GetString(bytes, q + 8, size);
                q += 8 + size;
            }
            runs.Add((p, count, block, number, first));
            p = q;
        }
        return runs;
    }

    [TestMethod]
    public void RunsHoldAtMost256EntriesAndIndexMarksEvery8KiB()
    {
        var children = Children(5000, i => ((uint)i + 1, 0));

        var listing = DirectoryListing.Build(children);

        var runs = Runs(listing.Bytes);
        Assert.AreEqual(5000, runs.Sum(r => r.Count));
        Assert.IsTrue(runs.All(r => r.Count <= 256));
        // 5000 entries of 28 bytes + headers is about 140 KiB: one index entry per 8 KiB.
        Assert.AreEqual(listing.Bytes.Length / 8192, listing.Index.Count, 1);
        var runStarts = runs.ToDictionary(r => r.Offset, r => r.FirstName);
        var previous = 0;
        foreach (var (offset, name) in listing.Index)
        {
            Assert.IsTrue(runStarts.TryGetValue(offset, out var first), $"index offset {offset} is not a run start");
            Assert.AreEqual(first, Encoding.ASCII.GetString(name));
            Assert.IsLessThanOrEqualTo(8192, offset - previous, "index entries at most 8 KiB apart");
            previous = offset;
        }
    }

    [TestMethod]
    public void NewRunWhenTheInodeBlockChanges()
    {
        var children = Children(10, i => ((uint)i + 1, i < 4 ? (0L << 16) | (uint)(i * 32) : (8194L << 16) | (uint)(i * 32)));

        var runs = Runs(DirectoryListing.Build(children).Bytes);

        Assert.HasCount(2, runs);
        Assert.AreEqual((4, 0u), (runs[0].Count, runs[0].Block));
        Assert.AreEqual((6, 8194u), (runs[1].Count, runs[1].Block));
    }

    [TestMethod]
    public void NewRunWhenTheInodeNumberLeavesTheSixteenBitDelta()
    {
        var children = Children(3, i => (i == 2 ? 40_000u : (uint)i + 1, 0));

        var runs = Runs(DirectoryListing.Build(children).Bytes);

        Assert.HasCount(2, runs);
        Assert.AreEqual(40_000u, runs[1].Number);
    }

    [TestMethod]
    public void EmptyDirectoryHasAnEmptyListing()
    {
        var listing = DirectoryListing.Build([]);

        Assert.IsEmpty(listing.Bytes);
        Assert.IsEmpty(listing.Index);
    }
}
