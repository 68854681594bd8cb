using System.IO.Compression;
using Distri.Compression;
using Distri.SquashFs.Format;

namespace Distri.SquashFs;

/// <summary>Decompresses one metadata or data block with the image's compressor (gzip or zstd).</summary>
internal static class BlockDecompressor
{
    /// <summary>Decompresses <paramref name="source"/> into <paramref name="destination"/>; returns the bytes written.</summary>
    /// <exception cref="SquashFsException">Corrupt data, or more output than <paramref name="destination"/> holds.</exception>
    public static int Decompress(SquashFsCompression compression, ReadOnlySpan<byte> source, Span<byte> destination, string what)
    {
        try
        {
            return compression == SquashFsCompression.Zstd ? Zstd.Decompress(source, destination) : Inflate(source, destination, what);
        }
        catch (InvalidDataException e)
        {
            throw new SquashFsException($"corrupt {what}: {e.Message}", e);
        }
    }

    private static unsafe int Inflate(ReadOnlySpan<byte> source, Span<byte> destination, string what)
    {
        fixed (byte* src = source)
        {
            using var input = new UnmanagedMemoryStream(src, source.Length);
            using var zlib = new ZLibStream(input, CompressionMode.Decompress);
            var total = 0;
            while (total < destination.Length)
            {
                var n = zlib.Read(destination[total..]);
                if (n == 0) return total;
                total += n;
            }
            // A full destination must also be the end of the stream: anything more is a lie about sizes.
            Span<byte> probe = stackalloc byte[1];
            if (zlib.Read(probe) != 0) throw new SquashFsException($"corrupt {what}: decompresses to more than {destination.Length} bytes");
            return total;
        }
    }
}
