using System.IO.Compression;
using Distri.Compression;

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
        var files = Directory.EnumerateFiles(packageDirectory).Where(p => RepositoryDirectory.IsRepositoryFile(Path.GetFileName(p))).ToList();
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
    public static bool IsCurrent(string original, string sibling)
    {
        var s = new FileInfo(sibling);
        var o = new FileInfo(original);
        return s.Exists && o.Exists && s.LastWriteTimeUtc == o.LastWriteTimeUtc;
    }

    private static void Write(string original, string sibling, Func<Stream, Stream> encoder)
    {
        var temp = Path.Combine(Path.GetDirectoryName(sibling)!, $".{Path.GetFileName(sibling)}.{Environment.ProcessId}.tmp");
        try
        {
            var modified = File.GetLastWriteTimeUtc(original);
            using (var source = new FileStream(original, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan))
            using (var target = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
            using (var encoded = encoder(target))
            {
                source.CopyTo(encoded, 1 << 20);
            }
            File.SetLastWriteTimeUtc(temp, modified);
            File.Move(temp, sibling, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }
    }
}
