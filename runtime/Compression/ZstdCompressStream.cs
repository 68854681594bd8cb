namespace Distri.Compression;

/// <summary>
/// A write-only stream encoding zstd into an inner stream: one frame, finished on dispose (or
/// <see cref="Finish"/>). Used to precompress repository files once instead of per request.
/// </summary>
public sealed class ZstdCompressStream : Stream
{
    private readonly Stream _inner;
    private readonly bool _leaveOpen;
    private readonly byte[] _output;
    private IntPtr _context;
    private bool _finished;

    public ZstdCompressStream(Stream inner, int level = 3, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(inner);
        _inner = inner;
        _leaveOpen = leaveOpen;
        _context = Zstd.Native.ZSTD_createCCtx();
        if (_context == IntPtr.Zero) throw new OutOfMemoryException("ZSTD_createCCtx failed");
        Zstd.ThrowIfError(Zstd.Native.ZSTD_CCtx_setParameter(_context, Zstd.Native.CompressionLevelParameter, level), "set level");
        _output = new byte[(int)Zstd.Native.ZSTD_CStreamOutSize()];
    }

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_context == IntPtr.Zero, this);
        if (_finished) throw new InvalidOperationException("the zstd frame is already finished");
        var consumed = 0;
        while (consumed < buffer.Length)
        {
            var (read, produced, _) = Step(buffer[consumed..], Zstd.Native.EndDirective.Continue);
            consumed += read;
            _inner.Write(_output, 0, produced);
        }
    }

    /// <summary>Ends the frame and writes its epilogue; further writes fail.</summary>
    public void Finish()
    {
        ObjectDisposedException.ThrowIf(_context == IntPtr.Zero, this);
        if (_finished) return;
        nuint remaining;
        do
        {
            (_, var produced, remaining) = Step([], Zstd.Native.EndDirective.End);
            _inner.Write(_output, 0, produced);
        }
        while (remaining != 0);
        _finished = true;
        _inner.Flush();
    }

    private unsafe (int Read, int Produced, nuint Remaining) Step(ReadOnlySpan<byte> source, Zstd.Native.EndDirective directive)
    {
        fixed (byte* src = source)
        fixed (byte* dst = _output)
        {
            var input = new Zstd.Native.InBuffer { Source = src, Size = (nuint)source.Length };
            var output = new Zstd.Native.OutBuffer { Destination = dst, Size = (nuint)_output.Length };
            var remaining = Zstd.Native.ZSTD_compressStream2(_context, &output, &input, directive);
            Zstd.ThrowIfError(remaining, "compress");
            return ((int)input.Position, (int)output.Position, remaining);
        }
    }

    public override void Flush() => _inner.Flush();
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (_context != IntPtr.Zero)
        {
            try
            {
                if (disposing) Finish();
            }
            finally
            {
                Zstd.Native.ZSTD_freeCCtx(_context);
                _context = IntPtr.Zero;
                if (disposing && !_leaveOpen) _inner.Dispose();
            }
        }
        base.Dispose(disposing);
    }

    ~ZstdCompressStream() => Dispose(false);
}
