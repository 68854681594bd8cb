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
        // Unpredictable and created exclusively (O_EXCL): a symlink planted under the name is never followed.
        var temp = Path.Combine(Path.GetDirectoryName(sibling)!, $".{Path.GetFileName(sibling)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            RegularFile.Status status;
            using (var source = RegularFile.OpenRead(original, out status, 1 << 20))
            using (var target = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            using (var encoded = encoder(target))
            {
                source.CopyTo(encoded, 1 << 20);
            }
            File.SetLastWriteTimeUtc(temp, status.LastWriteTimeUtc);
            File.Move(temp, sibling, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }
    }
}
