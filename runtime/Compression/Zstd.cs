using ZstdSharp;
using ZstdSharp.Unsafe;

namespace Distri.Compression;

/// <summary>
/// zstd through ZstdSharp, a managed port of the reference library: distri loads no native
/// compression library. One-shot here (SquashFS blocks, tests); streaming in
/// <see cref="ZstdDecompressStream"/> and <see cref="ZstdCompressStream"/>.
/// </summary>
public static unsafe class Zstd
{
    /// <summary>
    /// The largest window (log2, 8 MiB) a stream may ask its decoder to keep: what HTTP's zstd
    /// content coding allows (RFC 9659), so memory stays bounded per concurrent download.
    /// libzstd's default would be 128 MiB.
    /// </summary>
    public const int MaxWindowLog = 23;

    // A context per thread: creating one per SquashFS block would allocate its tables each time.
    [ThreadStatic] private static Decompressor? t_decompressor;

    /// <summary>Decompresses one complete zstd frame into <paramref name="destination"/>; returns the bytes written.</summary>
    /// <exception cref="InvalidDataException">The input is not a valid frame or does not fit.</exception>
    public static int Decompress(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        try
        {
            return (t_decompressor ??= new Decompressor()).Unwrap(source, destination);
        }
        catch (ZstdException e)
        {
            throw new InvalidDataException($"zstd decompress failed: {Describe(e.Code, e.Message)}", e);
        }
    }

    /// <summary>Compresses <paramref name="source"/> into one frame at <paramref name="level"/>.</summary>
    public static byte[] Compress(ReadOnlySpan<byte> source, int level = 3)
    {
        using var compressor = new Compressor(level);
        return compressor.Wrap(source).ToArray();
    }

    internal static void ThrowIfError(nuint code, string operation)
    {
        if (Methods.ZSTD_isError(code))
        {
            throw new InvalidDataException($"zstd {operation} failed: {Describe(Methods.ZSTD_getErrorCode(code), Methods.ZSTD_getErrorName(code))}");
        }
    }

    private static string Describe(ZSTD_ErrorCode code, string message) => code == ZSTD_ErrorCode.ZSTD_error_frameParameter_windowTooLarge
        ? $"the frame needs a window larger than {1 << MaxWindowLog >> 20} MiB"
        : message;
}
