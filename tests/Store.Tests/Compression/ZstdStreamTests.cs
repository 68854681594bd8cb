using Distri.Compression;
using Distri.Testing;

namespace Store.Tests.Compression;

[TestClass]
public sealed class ZstdStreamTests
{
    private static byte[] Data(int length, int seed = 1)
    {
        // Half random, half repetitive: both compressor paths get exercised.
        var data = new byte[length];
        new Random(seed).NextBytes(data.AsSpan(0, length / 2));
        for (var i = length / 2; i < length; i++) data[i] = (byte)(i % 7);
        return data;
    }

    private static byte[] Compress(byte[] data, int level = 3)
    {
        using var output = new MemoryStream();
        using (var zstd = new ZstdCompressStream(output, level, leaveOpen: true))
        {
            // Uneven write sizes cross the library's internal block boundaries.
            for (var offset = 0; offset < data.Length;)
            {
                var n = Math.Min(data.Length - offset, 1 + offset % 100_003);
                zstd.Write(data, offset, n);
                offset += n;
            }
        }
        return output.ToArray();
    }

    private static byte[] Decompress(byte[] compressed, int readSize = 81920)
    {
        using var zstd = new ZstdDecompressStream(new MemoryStream(compressed));
        using var output = new MemoryStream();
        var buffer = new byte[readSize];
        int n;
        while ((n = zstd.Read(buffer)) > 0) output.Write(buffer, 0, n);
        return output.ToArray();
    }

    [TestMethod]
    [DataRow(0)]
    [DataRow(1)]
    [DataRow(131_072)]
    [DataRow(3_000_001)]
    public void CompressThenDecompressStreamingRoundTrips(int length)
    {
        var data = Data(length);
        CollectionAssert.AreEqual(data, Decompress(Compress(data)));
    }

    [TestMethod]
    public void TheCompressedStreamIsOneFrameTheOneShotDecoderReads()
    {
        var data = Data(500_000);
        var decoded = new byte[data.Length];
        Assert.AreEqual(data.Length, Zstd.Decompress(Compress(data, 19), decoded));
        CollectionAssert.AreEqual(data, decoded);
    }

    [TestMethod]
    public void OneByteReadsDecodeTheSameBytes()
    {
        var data = Data(20_000);
        CollectionAssert.AreEqual(data, Decompress(Zstd.Compress(data), readSize: 1));
    }

    [TestMethod]
    public async Task AsyncReadsDecodeConcatenatedFrames()
    {
        var a = Data(70_000, 1);
        var b = Data(90_000, 2);
        await using var zstd = new ZstdDecompressStream(new MemoryStream([.. Zstd.Compress(a), .. Compress(b)]));
        using var output = new MemoryStream();
        await zstd.CopyToAsync(output);
        CollectionAssert.AreEqual((byte[])[.. a, .. b], output.ToArray());
    }

    [TestMethod]
    public void TruncatedInputIsAnErrorNotAShortRead()
    {
        var compressed = Compress(Data(300_000));
        var error = Assert.ThrowsExactly<InvalidDataException>(() => Decompress(compressed[..^10]));
        StringAssert.Contains(error.Message, "truncated");
    }

    [TestMethod]
    public void GarbageInputIsInvalidData()
    {
        Assert.ThrowsExactly<InvalidDataException>(() => Decompress("this is not zstd at all"u8.ToArray()));
    }

    [TestMethod]
    public void WritingAfterFinishFails()
    {
        using var zstd = new ZstdCompressStream(new MemoryStream());
        zstd.Write([1, 2, 3]);
        zstd.Finish();
        Assert.ThrowsExactly<InvalidOperationException>(() => zstd.Write([4]));
    }

    /// <summary>Runs the zstd CLI over <paramref name="input"/> (through a pipe, so the frame does not know its size).</summary>
    internal static byte[] ZstdCli(byte[] input, params string[] arguments)
    {
        var zstd = Requires.Tool("zstd");
        using var temp = new TempDirectory("zstd-cli");
        File.WriteAllBytes(temp["in"], input);
        ExternalTool.Check("sh", "-c", $"cat \"$1\" | {zstd} {string.Join(' ', arguments)} > \"$2\"", "sh", temp["in"], temp["out"]);
        return File.ReadAllBytes(temp["out"]);
    }

    [TestMethod]
    [DataRow("-3")]
    [DataRow("-19")]
    [DataRow("--fast=5")]
    public void FramesMadeByTheZstdCliDecode(string level)
    {
        var data = Data(3_000_001);
        CollectionAssert.AreEqual(data, Decompress(ZstdCli(data, level, "-c")));
    }

    [TestMethod]
    public void WhatTheCompressStreamWritesTheZstdCliDecodes()
    {
        var data = Data(2_000_000);
        CollectionAssert.AreEqual(data, ZstdCli(Compress(data, 19), "-d", "-c"));
    }

    [TestMethod]
    public void AFrameAskingForMoreThanAnEightMebibyteWindowIsRefused()
    {
        // --long=27: a 128 MiB window, libzstd's own default limit; ours is 8 MiB per stream.
        var compressed = ZstdCli(Data(100_000), "--long=27", "-c");
        var error = Assert.ThrowsExactly<InvalidDataException>(() => Decompress(compressed));
        StringAssert.Contains(error.Message, "window larger than 8 MiB");
    }

    [TestMethod]
    public void AnEightMebibyteWindowIsAccepted()
    {
        var data = Data(1_000_000);
        CollectionAssert.AreEqual(data, Decompress(ZstdCli(data, "--long=23", "-c")));
    }

    [TestMethod]
    public void DecodingLoadsNoNativeZstdLibrary()
    {
        var data = Data(100_000);
        CollectionAssert.AreEqual(data, Decompress(ZstdCli(data, "-c")));
        Assert.AreEqual(data.Length, Zstd.Decompress(Compress(data), new byte[data.Length]));

        var maps = File.ReadAllText("/proc/self/maps");
        Assert.IsFalse(maps.Contains("libzstd", StringComparison.Ordinal), "libzstd is mapped into the process");
    }
}
