using System.IO.Compression;
using Distri.Compression;
using Distri.Linux;
using Distri.Packages;

namespace Distri.Export;

/// <summary>
/// Writes <c>.zst</c> and <c>.gz</c> siblings of a repository's files once, so the server (or
/// nginx's <c>gzip_static</c>) never compresses per request. A sibling carries its original's
/// modification time: that is how the server knows it is current.
/// </summary>
public static class Precompressor
{
    public const string ZstdExtension = ".zst";
    public const string GzipExtension = ".gz";

    /// <summary>Creates missing or stale siblings; returns the paths written.</summary>
    public static IReadOnlyList<string> Run(string packageDirectory, int zstdLevel = 3)
    {
        new RepositoryMonitor(packageDirectory).Refresh();
        var written = new System.Collections.Concurrent.ConcurrentBag<string>();
        // Regular files only: a fifo would block, a symlink could point anywhere (neither is served).
        var files = Directory.EnumerateFiles(packageDirectory)
            .Where(p => RepositoryDirectory.IsRepositoryFile(Path.GetFileName(p)) && RegularFile.TryGetStatus(p) is not null)
            .ToList();
        Parallel.ForEach(files, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, path =>
        {
            if (!IsCurrent(path, path + ZstdExtension))
            {
                Write(path, path + ZstdExtension, s => new ZstdCompressStream(s, zstdLevel));
                written.Add(path + ZstdExtension);
            }
            if (!IsCurrent(path, path + GzipExtension))
            {
                Write(path, path + GzipExtension, s => new GZipStream(s, CompressionLevel.Optimal));
                written.Add(path + GzipExtension);
            }
        });
        return written.Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>Whether <paramref name="sibling"/> exists and was made from the current <paramref name="original"/>.</summary>
    public static bool IsCurrent(string original, string sibling) =>
        RegularFile.TryGetStatus(sibling) is { } s && RegularFile.TryGetStatus(original) is { } o && s.LastWriteTimeUtc == o.LastWriteTimeUtc;

    private static void Write(string original, string sibling, Func<Stream, Stream> encoder)
    {
        // The sibling carries the original's time: that is how IsCurrent knows what it was made from.
        var made = DateTime.MinValue;
        AtomicFile.Write(sibling, target =>
        {
            using var source = RegularFile.OpenRead(original, out var status, 1 << 20);
            using var encoded = encoder(target);
            source.CopyTo(encoded, 1 << 20);
            made = status.LastWriteTimeUtc;
        }, finish: temp => File.SetLastWriteTimeUtc(temp, made), bufferSize: 1 << 20);
    }
}
