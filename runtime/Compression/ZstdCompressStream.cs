using ZstdSharp.Unsafe;

namespace Distri.Compression;

/// <summary>
/// A write-only stream encoding zstd into an inner stream: one frame, finished on dispose (or
/// <see cref="Finish"/>). Used to precompress repository files once instead of per request.
/// </summary>
public sealed unsafe class ZstdCompressStream : Stream
{
    private readonly Stream _inner;
    private readonly bool _leaveOpen;
    private readonly byte[] _output;
    private ZSTD_CCtx_s* _context;
    private bool _finished;

    public ZstdCompressStream(Stream inner, int level = 3, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(inner);
        _inner = inner;
        _leaveOpen = leaveOpen;
        _context = Methods.ZSTD_createCCtx();
        if (_context == null) throw new OutOfMemoryException("ZSTD_createCCtx failed");
        Zstd.ThrowIfError(Methods.ZSTD_CCtx_setParameter(_context, ZSTD_cParameter.ZSTD_c_compressionLevel, level), "set level");
        // Decoders (ours, and HTTP clients) accept at most an 8 MiB window.
        var windowLog = (int)Methods.ZSTD_getCParams(level, 0, 0).windowLog;
        Zstd.ThrowIfError(Methods.ZSTD_CCtx_setParameter(_context, ZSTD_cParameter.ZSTD_c_windowLog, Math.Min(Zstd.MaxWindowLog, windowLog)), "set window");
        _output = new byte[(int)Methods.ZSTD_CStreamOutSize()];
    }

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_context == null, this);
        if (_finished) throw new InvalidOperationException("the zstd frame is already finished");
        var consumed = 0;
        while (consumed < buffer.Length)
        {
            var (read, produced, _) = Step(buffer[consumed..], ZSTD_EndDirective.ZSTD_e_continue);
            consumed += read;
            _inner.Write(_output, 0, produced);
        }
    }

    /// <summary>Ends the frame and writes its epilogue; further writes fail.</summary>
    public void Finish()
    {
        ObjectDisposedException.ThrowIf(_context == null, this);
        if (_finished) return;
        nuint remaining;
        do
        {
            (_, var produced, remaining) = Step([], ZSTD_EndDirective.ZSTD_e_end);
            _inner.Write(_output, 0, produced);
        }
        while (remaining != 0);
        _finished = true;
        _inner.Flush();
    }

    private (int Read, int Produced, nuint Remaining) Step(ReadOnlySpan<byte> source, ZSTD_EndDirective directive)
    {
        fixed (byte* src = source)
        fixed (byte* dst = _output)
        {
            var input = new ZSTD_inBuffer_s { src = src, size = (nuint)source.Length };
            var output = new ZSTD_outBuffer_s { dst = dst, size = (nuint)_output.Length };
            var remaining = Methods.ZSTD_compressStream2(_context, &output, &input, directive);
            Zstd.ThrowIfError(remaining, "compress");
            return ((int)input.pos, (int)output.pos, remaining);
        }
    }

    public override void Flush() => _inner.Flush();
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (_context != null)
        {
            try
            {
                if (disposing) Finish();
            }
            finally
            {
                Methods.ZSTD_freeCCtx(_context);
                _context = null;
                if (disposing && !_leaveOpen) _inner.Dispose();
            }
        }
        base.Dispose(disposing);
    }

    ~ZstdCompressStream() => Dispose(false);
}
