using System.Diagnostics;
using Distri.Linux;
using Distri.SquashFs;
using Distri.Testing;
using SquashFs.Tests.Fixtures;

namespace SquashFs.Tests;

/// <summary>
/// Mutation fuzzing of the reader: thousands of damaged copies of a few seed images (bit flips,
/// byte sets, truncations, chunk copies), each walked completely. Only success or
/// <see cref="SquashFsException"/> is acceptable: no other exception, hang or runaway allocation.
/// Deterministic (fixed seed), bounded in time.
/// </summary>
[TestClass]
public sealed class FuzzTests
{
    // DISTRI_FUZZ_SEED and DISTRI_FUZZ_SECONDS let a longer run (nightly, or by hand) explore further.
    private static readonly int Seed = int.TryParse(Environment.GetEnvironmentVariable("DISTRI_FUZZ_SEED"), out var seed) ? seed : 20261122;
    private static readonly int Seconds = int.TryParse(Environment.GetEnvironmentVariable("DISTRI_FUZZ_SECONDS"), out var seconds) ? seconds : 30;
    private static readonly int IterationsPerImage = Seconds == 30 ? 1000 : int.MaxValue;
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(Seconds);
    private static readonly TimeSpan IterationTimeout = TimeSpan.FromSeconds(10);

    public TestContext TestContext { get; set; } = null!;

    /// <summary>A small tree touching every structure: fragments, multi-block files, a >256-entry dir with an index, xattrs.</summary>
    private static void WriteFuzzTree(string root)
    {
        Directory.CreateDirectory(root);
        File.WriteAllText(Path.Combine(root, "small"), "small file\n");
        File.WriteAllBytes(Path.Combine(root, "blocks"), TestTrees.Pattern(3 * 4096 + 100, seed: 3));
        File.WriteAllBytes(Path.Combine(root, "zeros"), new byte[2 * 4096]);
        File.WriteAllBytes(Path.Combine(root, "empty"), []);
        File.CreateSymbolicLink(Path.Combine(root, "link"), "small");
        File.CreateSymbolicLink(Path.Combine(root, "loop"), "loop");
        LibC.HardLink(Path.Combine(root, "small"), Path.Combine(root, "hard"));
        LibC.SetXattr(Path.Combine(root, "small"), "user.a", "value"u8);
        LibC.SetXattr(Path.Combine(root, "blocks"), "user.a", "value"u8);
        LibC.SetXattr(Path.Combine(root, "blocks"), "user.b", TestTrees.Pattern(200, seed: 4));
        var many = Directory.CreateDirectory(Path.Combine(root, "many")).FullName;
        for (var i = 0; i < 300; i++) File.WriteAllText(Path.Combine(many, $"entry-{i:D3}-{new string('n', i % 30)}"), i % 5 == 0 ? "" : i.ToString());
        Directory.CreateDirectory(Path.Combine(root, "a", "b", "c"));
        File.WriteAllText(Path.Combine(root, "a", "b", "c", "deep"), "deep");
        TestTrees.SetAllMtimes(root, 1_700_000_000);
    }

    [TestMethod]
    public void MutatedImagesFailOnlyWithSquashFsException()
    {
        using var temp = new TempDirectory("fuzz");
        WriteFuzzTree(temp["tree"]);
        var seeds = new List<(string Name, byte[] Bytes)>
        {
            ("gzip", File.ReadAllBytes(ReaderAcceptanceTests.MakeImage(temp["tree"], temp["gzip.sqfs"], "-b", "4096"))),
            ("zstd", File.ReadAllBytes(ReaderAcceptanceTests.MakeImage(temp["tree"], temp["zstd.sqfs"], "-b", "4096", "-comp", "zstd"))),
            ("uncompressed", File.ReadAllBytes(ReaderAcceptanceTests.MakeImage(temp["tree"], temp["plain.sqfs"], "-b", "4096", "-noI", "-noD", "-noF", "-noX"))),
        };
        SquashFsWriter.Write(temp["tree"], temp["ours.sqfs"], new SquashFsWriterOptions { BlockSize = 4096 });
        seeds.Add(("ours", File.ReadAllBytes(temp["ours.sqfs"])));
        foreach (var (name, bytes) in seeds)
            Assert.AreEqual(WalkResult.Ok, Walk(bytes, temp[name + ".check"]), $"seed image {name} must read cleanly");

        var clock = Stopwatch.StartNew();
        var random = new Random(Seed);
        var outcomes = new Dictionary<WalkResult, int>();
        var iterations = 0;
        for (var round = 0; round < IterationsPerImage && clock.Elapsed < Budget; round++)
        {
            foreach (var (name, original) in seeds)
            {
                var mutated = Mutate(original, random, out var description);
                var path = temp["mutated.sqfs"];
                var walk = Task.Run(() => Walk(mutated, path));
                if (!walk.Wait(IterationTimeout))
                {
                    var kept = Path.Combine(Path.GetTempPath(), $"distri-fuzz-hang-{iterations}.sqfs");
                    File.WriteAllBytes(kept, mutated);
                    Assert.Fail($"iteration {iterations} ({name}: {description}) did not finish in {IterationTimeout}; image kept at {kept}");
                }
                if (walk.Exception is not null)
                    Assert.Fail($"iteration {iterations} ({name}: {description}) threw {walk.Exception.InnerException}");
                outcomes[walk.Result] = outcomes.GetValueOrDefault(walk.Result) + 1;
                iterations++;
            }
        }
        TestContext.WriteLine($"seed {Seed}: {iterations} mutated images in {clock.Elapsed.TotalSeconds:F1} s: " + string.Join(", ", outcomes.Select(o => $"{o.Key} {o.Value}")));
        Assert.IsGreaterThan(1000, iterations, "the fuzz budget should allow thousands of images");
    }

    private enum WalkResult { Ok, Refused }

    /// <summary>Opens the image and exercises every read path on every entry; SquashFsException counts as a clean refusal.</summary>
    private static WalkResult Walk(byte[] bytes, string path)
    {
        File.WriteAllBytes(path, bytes);
        try
        {
            using var image = SquashFsImage.Open(path);
            var budget = new WalkBudget();
            WalkDirectory(image, image.Root, "", new HashSet<long>(), budget);
            image.Lookup("a/b/c/deep", followSymlinks: true);
            image.Lookup("link", followSymlinks: true);
            image.Lookup("many/entry-150-nnnnnnnnnnnnnnnnnnnn");
            return WalkResult.Ok;
        }
        catch (SquashFsException)
        {
            return WalkResult.Refused;
        }
    }

    private sealed class WalkBudget
    {
        public int Entries = 5000;
    }

    private static void WalkDirectory(SquashFsImage image, SquashFsInode directory, string path, HashSet<long> ancestors, WalkBudget budget)
    {
        if (!ancestors.Add(directory.InodeReference) || ancestors.Count > 64) return; // a loop made by the mutation
        image.GetXattrs(directory);
        var buffer = new byte[64 * 1024];
        foreach (var entry in image.ReadDirectory(directory))
        {
            if (--budget.Entries < 0) return;
            var inode = image.GetInode(entry);
            image.Lookup(directory, entry.Name);
            image.GetXattrs(inode);
            switch (inode.Type)
            {
                case SquashFsEntryType.Directory:
                    WalkDirectory(image, inode, path + "/" + entry.Name, ancestors, budget);
                    break;
                case SquashFsEntryType.Symlink:
                    image.ReadLink(inode);
                    break;
                case SquashFsEntryType.File:
                    // Read the start fully, then probe around the end (mutated sizes can be huge).
                    for (long offset = 0; offset < Math.Min(inode.Size, 1 << 20);)
                    {
                        var n = image.Read(inode, offset, buffer);
                        if (n <= 0) throw new InvalidOperationException($"Read returned {n} inside the file");
                        offset += n;
                    }
                    if (inode.Size > 0) image.Read(inode, inode.Size - 1, buffer);
                    image.Read(inode, inode.Size / 2, buffer.AsSpan(0, 5000));
                    break;
            }
        }
        ancestors.Remove(directory.InodeReference);
    }

    private static byte[] Mutate(byte[] original, Random random, out string description)
    {
        var bytes = (byte[])original.Clone();
        var steps = new List<string>();
        for (var i = random.Next(1, 5); i > 0; i--)
        {
            // Metadata sits near the end of the image and the superblock at the start: aim there often.
            var position = random.Next(3) switch
            {
                0 => random.Next(96),
                1 => bytes.Length - 1 - random.Next(Math.Min(bytes.Length, 4096)),
                _ => random.Next(bytes.Length),
            };
            position = Math.Clamp(position, 0, bytes.Length - 1);
            switch (random.Next(10))
            {
                case < 4:
                    bytes[position] ^= (byte)(1 << random.Next(8));
                    steps.Add($"flip@{position}");
                    break;
                case < 7:
                    byte[] interesting = [0x00, 0xFF, 0x7F, 0x80, 0x01, 0xFE];
                    bytes[position] = interesting[random.Next(interesting.Length)];
                    steps.Add($"set@{position}");
                    break;
                case 7:
                    var length = random.Next(1, 64);
                    var from = random.Next(bytes.Length);
                    var count = Math.Min(length, Math.Min(bytes.Length - from, bytes.Length - position));
                    Array.Copy(bytes, from, bytes, position, count);
                    steps.Add($"copy{from}->{position}+{count}");
                    break;
                case 8:
                    var word = random.Next(Math.Max(1, bytes.Length - 4));
                    BitConverter.TryWriteBytes(bytes.AsSpan(word), random.Next(2) == 0 ? uint.MaxValue : (uint)random.Next());
                    steps.Add($"word@{word}");
                    break;
                default:
                    var keep = random.Next(bytes.Length);
                    bytes = bytes[..keep];
                    steps.Add($"truncate@{keep}");
                    if (bytes.Length == 0) { description = string.Join(' ', steps); return bytes; }
                    break;
            }
        }
        description = string.Join(' ', steps);
        return bytes;
    }
}
