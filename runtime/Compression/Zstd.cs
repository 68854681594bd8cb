using System.Runtime.InteropServices;

namespace Distri.Compression;

/// <summary>
/// One-shot zstd through Debian's libzstd (libzstd.so.1). Used to read zstd-compressed SquashFS
/// blocks and to precompress repository files. Streaming lives in <see cref="ZstdDecompressStream"/>.
/// </summary>
public static partial class Zstd
{
    /// <summary>Decompresses one complete zstd frame into <paramref name="destination"/>; returns the bytes written.</summary>
    /// <exception cref="InvalidDataException">The input is not a valid frame or does not fit.</exception>
    public static unsafe int Decompress(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        nuint written;
        fixed (byte* src = source)
        fixed (byte* dst = destination)
        {
            written = Native.ZSTD_decompress(dst, (nuint)destination.Length, src, (nuint)source.Length);
        }
        ThrowIfError(written, "decompress");
        return checked((int)written);
    }

    /// <summary>Compresses <paramref name="source"/> into one frame at <paramref name="level"/>.</summary>
    public static unsafe byte[] Compress(ReadOnlySpan<byte> source, int level = 3)
    {
        var bound = Native.ZSTD_compressBound((nuint)source.Length);
        var buffer = new byte[checked((int)bound)];
        nuint written;
        fixed (byte* src = source)
        fixed (byte* dst = buffer)
        {
            written = Native.ZSTD_compress(dst, bound, src, (nuint)source.Length, level);
        }
        ThrowIfError(written, "compress");
        Array.Resize(ref buffer, checked((int)written));
        return buffer;
    }

    internal static void ThrowIfError(nuint code, string operation)
    {
        if (Native.ZSTD_isError(code) != 0)
        {
            throw new InvalidDataException($"zstd {operation} failed: {Marshal.PtrToStringUTF8(Native.ZSTD_getErrorName(code))}");
        }
    }

    internal static unsafe partial class Native
    {
        private const string Library = "libzstd.so.1";

        [LibraryImport(Library)]
        internal static partial nuint ZSTD_decompress(byte* dst, nuint dstCapacity, byte* src, nuint compressedSize);

        [LibraryImport(Library)]
        internal static partial nuint ZSTD_compress(byte* dst, nuint dstCapacity, byte* src, nuint srcSize, int compressionLevel);

        [LibraryImport(Library)]
        internal static partial nuint ZSTD_compressBound(nuint srcSize);

        [LibraryImport(Library)]
        internal static partial uint ZSTD_isError(nuint code);

        [LibraryImport(Library)]
        internal static partial IntPtr ZSTD_getErrorName(nuint code);
    }
}
