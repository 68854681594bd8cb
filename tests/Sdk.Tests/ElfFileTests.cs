using System.Text.RegularExpressions;
using Distri.Tasks.Elf;
using Distri.Testing;

namespace Sdk.Tests;

[TestClass]
public sealed partial class ElfFileTests
{
    [TestMethod]
    public void ReadsNeededLibrariesAndInterpreterOfAHostProgram()
    {
        Assert.IsTrue(ElfFile.TryRead("/usr/bin/ls", out var elf));
        Assert.IsTrue(elf.IsDynamic);
        CollectionAssert.Contains(elf.Needed.ToList(), "libc.so.6");
        Assert.AreEqual("/lib64/ld-linux-x86-64.so.2", elf.Interpreter);
    }

    [TestMethod]
    public void ReadsTheSonameOfASharedLibrary()
    {
        var libc = "/usr/lib/x86_64-linux-gnu/libc.so.6";
        if (!File.Exists(libc)) Assert.Inconclusive("no x86-64 libc");
        Assert.IsTrue(ElfFile.TryRead(libc, out var elf));
        Assert.AreEqual("libc.so.6", elf.SoName);
    }

    [TestMethod]
    public void AgreesWithReadelfOnEveryProgramInUsrBin()
    {
        var readelf = Requires.Tool("readelf");
        var checkedFiles = 0;
        foreach (var path in Directory.EnumerateFiles("/usr/bin").Order(StringComparer.Ordinal).Take(400))
        {
            if (new FileInfo(path).LinkTarget is not null) continue;
            var r = ExternalTool.Run(readelf, ["-d", "-W", path]);
            var expected = NeededLine().Matches(r.StandardOutput).Select(m => m.Groups[1].Value).ToList();
            var isElf = ElfFile.TryRead(path, out var elf);
            if (r.ExitCode != 0 || r.StandardError.Contains("Not an ELF", StringComparison.Ordinal))
            {
                Assert.IsFalse(isElf && elf.Needed.Count > 0, $"{path}: readelf rejects it, we found libraries");
                continue;
            }
            Assert.IsTrue(isElf, $"{path}: readelf reads it, we did not");
            CollectionAssert.AreEqual(expected, elf.Needed.ToList(), $"{path}: DT_NEEDED differs from readelf");
            var runpath = RunPathLine().Match(r.StandardOutput);
            if (runpath.Success)
                Assert.AreEqual(runpath.Groups[1].Value, string.Join(':', elf.RunPath), $"{path}: DT_RUNPATH");
            checkedFiles++;
        }
        Assert.IsGreaterThan(20, checkedFiles, "too few ELF programs in /usr/bin to mean anything");
    }

    [TestMethod]
    public void RejectsGarbageTextAndTruncatedFilesWithoutThrowing()
    {
        using var temp = new TempDirectory("elf");
        var ls = File.ReadAllBytes("/usr/bin/ls");
        var random = new byte[100_000];
        new Random(42).NextBytes(random);
        var cases = new Dictionary<string, byte[]>
        {
            ["empty"] = [],
            ["script"] = "#!/bin/sh\necho hi\n"u8.ToArray(),
            ["random"] = random,
            ["magic-only"] = [0x7f, (byte)'E', (byte)'L', (byte)'F', 2, 1, 1],
            ["header-only"] = ls[..64],
            ["truncated-at-1k"] = ls[..1024],
        };
        foreach (var (name, bytes) in cases)
        {
            File.WriteAllBytes(temp[name], bytes);
            Assert.IsFalse(ElfFile.TryRead(temp[name], out _), name);
        }
        // A valid header over random program headers is at most an ELF that needs nothing.
        File.WriteAllBytes(temp["header-then-random"], [.. ls[..64], .. random]);
        Assert.IsTrue(!ElfFile.TryRead(temp["header-then-random"], out var elf) || elf.Needed.Count == 0);
    }

    [TestMethod]
    public void SurvivesEveryTruncationAndCorruptionOfARealProgram()
    {
        using var temp = new TempDirectory("elf");
        var ls = File.ReadAllBytes("/usr/bin/ls");
        var random = new Random(7);
        for (var i = 0; i < 300; i++)
        {
            var bytes = ls[..random.Next(ls.Length)];
            // Flip bytes in the headers, where the offsets and counts live.
            for (var j = 0; j < 8 && bytes.Length > 0; j++)
                bytes[random.Next(Math.Min(bytes.Length, 4096))] ^= (byte)random.Next(1, 256);
            var path = temp[$"case{i}"];
            File.WriteAllBytes(path, bytes);
            ElfFile.TryRead(path, out _); // must return, never throw or hang
        }
    }

    [GeneratedRegex(@"\(NEEDED\)\s+Shared library: \[([^\]]+)\]")]
    private static partial Regex NeededLine();

    [GeneratedRegex(@"\(RUNPATH\)\s+Library runpath: \[([^\]]*)\]")]
    private static partial Regex RunPathLine();
}
