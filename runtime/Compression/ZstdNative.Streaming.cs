using System.Runtime.InteropServices;

namespace Distri.Compression;

public static partial class Zstd
{
    /// <summary>libzstd's streaming API (zstd.h, stable since 1.4): the buffer structs and the calls the streams use.</summary>
    internal static unsafe partial class Native
    {
        [StructLayout(LayoutKind.Sequential)]
        internal struct InBuffer
        {
            public byte* Source;
            public nuint Size;
            public nuint Position;
        }

        [StructLayout(LayoutKind.Sequential)]
        internal struct OutBuffer
        {
            public byte* Destination;
            public nuint Size;
            public nuint Position;
        }

        /// <summary>ZSTD_EndDirective.</summary>
        internal enum EndDirective
        {
            Continue = 0,
            Flush = 1,
            End = 2,
        }

        /// <summary>ZSTD_c_compressionLevel (ZSTD_cParameter).</summary>
        internal const int CompressionLevelParameter = 100;

        [LibraryImport(Library)]
        internal static partial IntPtr ZSTD_createDStream();

        [LibraryImport(Library)]
        internal static partial nuint ZSTD_freeDStream(IntPtr stream);

        [LibraryImport(Library)]
        internal static partial nuint ZSTD_decompressStream(IntPtr stream, OutBuffer* output, InBuffer* input);

        [LibraryImport(Library)]
        internal static partial nuint ZSTD_DStreamInSize();

        [LibraryImport(Library)]
        internal static partial IntPtr ZSTD_createCCtx();

        [LibraryImport(Library)]
        internal static partial nuint ZSTD_freeCCtx(IntPtr context);

        [LibraryImport(Library)]
        internal static partial nuint ZSTD_CCtx_setParameter(IntPtr context, int parameter, int value);

        [LibraryImport(Library)]
        internal static partial nuint ZSTD_compressStream2(IntPtr context, OutBuffer* output, InBuffer* input, EndDirective endOp);

        [LibraryImport(Library)]
        internal static partial nuint ZSTD_CStreamOutSize();
    }
}
