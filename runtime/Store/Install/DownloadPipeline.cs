using System.Buffers;
using System.Security.Cryptography;
using System.Threading.Channels;
using Microsoft.Win32.SafeHandles;

namespace Distri.Store.Install;

/// <summary>
/// Moves one download into its work file in three stages that run at once, each on whatever core
/// is free: fill a buffer (receive, and decode zstd: the heavy part of a compressed transfer),
/// hash it, write it. Buffers go round from stage to stage and back, so nothing is copied in
/// between and at most <see cref="Depth"/> megabytes of a file are in memory. Many files download
/// at once besides, so two cores stay busy even when one stage of one file is the slowest.
/// </summary>
internal static class DownloadPipeline
{
    public const int BufferSize = 1 << 20;
    private const int Depth = 4;

    // Writes go out in pieces of this size: on the development VM (Linux 6.18, ext4) writing 900 MB
    // into the page cache cost 0.26 s of system time in 128 KiB writes and 2.0-2.3 s in 1 MiB
    // writes of the same buffer (256 KiB: 0.54 s); curl's 16 KiB writes are on the cheap side too.
    private const int WriteSize = 128 << 10;

    /// <summary>
    /// Fills buffers with <paramref name="fill"/> (0 = the end) until the end or until more than
    /// <paramref name="limit"/> bytes came; hashes every byte into <paramref name="hash"/> and writes
    /// it to <paramref name="target"/> from offset 0, calling <paramref name="written"/> after each
    /// write. Returns the bytes received (more than <paramref name="limit"/>: the source had more,
    /// and the rest was not read). The first exception of any stage stops the others and is rethrown.
    /// </summary>
    public static async Task<long> CopyAsync(Func<byte[], CancellationToken, Task<int>> fill, SafeFileHandle target, IncrementalHash hash,
        long limit, Action<int> written, CancellationToken cancellationToken)
    {
        var buffers = new byte[Depth][];
        for (var i = 0; i < buffers.Length; i++) buffers[i] = ArrayPool<byte>.Shared.Rent(BufferSize);
        var free = Channel.CreateBounded<byte[]>(Depth);
        foreach (var buffer in buffers) free.Writer.TryWrite(buffer);
        var filled = Channel.CreateBounded<Chunk>(Depth);
        var hashed = Channel.CreateBounded<Chunk>(Depth);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        long received = 0;

        var fillStage = Stage(filled.Writer, async token =>
        {
            while (received <= limit)
            {
                var buffer = await free.Reader.ReadAsync(token).ConfigureAwait(false);
                var n = await fill(buffer, token).ConfigureAwait(false);
                if (n == 0) return;
                received += n;
                await filled.Writer.WriteAsync(new Chunk(buffer, n), token).ConfigureAwait(false);
            }
        });
        var hashStage = Stage(hashed.Writer, async token =>
        {
            await foreach (var chunk in filled.Reader.ReadAllAsync(token).ConfigureAwait(false))
            {
                hash.AppendData(chunk.Buffer, 0, chunk.Count);
                await hashed.Writer.WriteAsync(chunk, token).ConfigureAwait(false);
            }
        });
        var writeStage = Stage<Chunk>(null, async token =>
        {
            long offset = 0;
            await foreach (var chunk in hashed.Reader.ReadAllAsync(token).ConfigureAwait(false))
            {
                for (var at = 0; at < chunk.Count; at += WriteSize)
                {
                    var piece = chunk.Buffer.AsSpan(at, Math.Min(WriteSize, chunk.Count - at));
                    RandomAccess.Write(target, piece, offset + at);
                }
                offset += chunk.Count;
                written(chunk.Count);
                free.Writer.TryWrite(chunk.Buffer);
            }
        });
        try
        {
            await Task.WhenAll(fillStage, hashStage, writeStage).ConfigureAwait(false);
        }
        catch
        {
            // The stage that failed first says why; the others only saw the stop.
            throw new[] { fillStage, hashStage, writeStage }.Select(t => t.Exception?.InnerException)
                .FirstOrDefault(e => e is not null and not OperationCanceledException)
                ?? new OperationCanceledException(cancellationToken);
        }
        finally
        {
            // Every stage has ended (WhenAll waits for all): no one uses a buffer any more.
            foreach (var buffer in buffers) ArrayPool<byte>.Shared.Return(buffer);
        }
        return received;

        // Runs a stage on the thread pool; when it ends, the next stage's input is complete, and
        // when it fails, every stage stops.
        Task Stage<T>(ChannelWriter<T>? output, Func<CancellationToken, Task> body) => Task.Run(async () =>
        {
            try
            {
                await body(stop.Token).ConfigureAwait(false);
                output?.TryComplete();
            }
            catch (Exception e)
            {
                output?.TryComplete(e);
                await stop.CancelAsync().ConfigureAwait(false);
                throw;
            }
        }, CancellationToken.None);
    }

    private readonly record struct Chunk(byte[] Buffer, int Count);
}
