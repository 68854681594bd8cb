using ZstdSharp.Unsafe;

namespace Distri.Compression;

/// <summary>
/// A read-only stream decoding zstd from an inner stream (e.g. an HTTP body with
/// <c>Content-Encoding: zstd</c>), any number of concatenated frames. An inner stream that ends
/// inside a frame is an error, not a silent short read, so a truncated download never passes.
/// A frame asking for a window above <see cref="Zstd.MaxWindowLog"/> is an error too.
/// </summary>
public sealed class ZstdDecompressStream : Stream
{
    private readonly Stream _inner;
    private readonly bool _leaveOpen;
    private readonly byte[] _input;
    private unsafe ZSTD_DCtx_s* _context;
    private int _inputStart;
    private int _inputEnd;
    private bool _innerEnded;
    // After ZSTD_decompressStream returns 0 a frame is complete; between frames the stream may end.
    private bool _atFrameBoundary = true;

    public unsafe ZstdDecompressStream(Stream inner, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(inner);
        _inner = inner;
        _leaveOpen = leaveOpen;
        _context = Methods.ZSTD_createDStream();
        if (_context == null) throw new OutOfMemoryException("ZSTD_createDStream failed");
        Zstd.ThrowIfError(Methods.ZSTD_DCtx_setParameter(_context, ZSTD_dParameter.ZSTD_d_windowLogMax, Zstd.MaxWindowLog), "set window limit");
        _input = new byte[(int)Methods.ZSTD_DStreamInSize()];
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        while (true)
        {
            if (_inputStart == _inputEnd && !_innerEnded)
            {
                _inputEnd = _inner.Read(_input);
                _inputStart = 0;
                _innerEnded = _inputEnd == 0;
            }
            var written = DecodeInto(buffer);
            if (written > 0 || buffer.IsEmpty) return written;
            if (_innerEnded && _inputStart == _inputEnd) return EndOfInput();
        }
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            if (_inputStart == _inputEnd && !_innerEnded)
            {
                _inputEnd = await _inner.ReadAsync(_input, cancellationToken).ConfigureAwait(false);
                _inputStart = 0;
                _innerEnded = _inputEnd == 0;
            }
            var written = DecodeInto(buffer.Span);
            if (written > 0 || buffer.IsEmpty) return written;
            if (_innerEnded && _inputStart == _inputEnd) return EndOfInput();
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    private int EndOfInput() => _atFrameBoundary
        ? 0
        : throw new InvalidDataException("zstd stream ended inside a frame (truncated input)");

    private unsafe int DecodeInto(Span<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_context == null, this);
        if (buffer.IsEmpty) return 0;
        fixed (byte* src = _input)
        fixed (byte* dst = buffer)
        {
            var input = new ZSTD_inBuffer_s { src = src + _inputStart, size = (nuint)(_inputEnd - _inputStart) };
            var output = new ZSTD_outBuffer_s { dst = dst, size = (nuint)buffer.Length };
            var result = Methods.ZSTD_decompressStream(_context, &output, &input);
            Zstd.ThrowIfError(result, "decompress");
            _inputStart += (int)input.pos;
            if (result == 0)
            {
                _atFrameBoundary = true;
            }
            else if (input.pos > 0 || output.pos > 0)
            {
                _atFrameBoundary = false;
            }
            return (int)output.pos;
        }
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override unsafe void Dispose(bool disposing)
    {
        if (_context != null)
        {
            Methods.ZSTD_freeDStream(_context);
            _context = null;
        }
        if (disposing && !_leaveOpen) _inner.Dispose();
        base.Dispose(disposing);
    }

    ~ZstdDecompressStream() => Dispose(false);
}
