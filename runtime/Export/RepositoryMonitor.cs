using System.Security.Cryptography;
using System.Text;
using Distri.Linux;
using Distri.Packages;

namespace Distri.Export;

/// <summary>
/// Notices when the repository's packages change (names, sizes, times of images and metas):
/// then the mirror freshness time moves to the newest change and a stale <c>index.yaml</c> is
/// rebuilt from the metas, so a store stays just a directory that anyone may add packages to.
/// Checked on each request for the index or <c>/_mirror/last-sync</c>: a directory listing is cheap.
/// </summary>
public sealed class RepositoryMonitor(string packageDirectory)
{
    private readonly Lock _gate = new();
    private byte[] _fingerprint = [];

    /// <summary>UNIX time of the newest change to the repository's packages.</summary>
    public long LastSync { get; private set; }

    /// <summary>Why the last index refresh failed (e.g. a read-only directory), or null.</summary>
    public string? IndexError { get; private set; }

    public void Refresh()
    {
        lock (_gate)
        {
            var files = new DirectoryInfo(packageDirectory).EnumerateFiles()
                .Where(f => f.Name != RepositoryIndex.FileName && RepositoryDirectory.IsRepositoryFile(f.Name))
                .OrderBy(f => f.Name, StringComparer.Ordinal)
                .ToList();
            var text = new StringBuilder();
            foreach (var f in files) text.Append(f.Name).Append('\0').Append(f.Length).Append('\0').Append(f.LastWriteTimeUtc.Ticks).Append('\n');
            var fingerprint = SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString()));
            var indexPath = Path.Combine(packageDirectory, RepositoryIndex.FileName);
            if (fingerprint.AsSpan().SequenceEqual(_fingerprint) && File.Exists(indexPath)) return;

            var newest = files.Count > 0 ? files.Max(f => f.LastWriteTimeUtc) : Directory.GetLastWriteTimeUtc(packageDirectory);
            LastSync = new DateTimeOffset(newest).ToUnixTimeSeconds();
            try
            {
                var index = Yaml.Serialize(RepositoryIndexBuilder.Build(packageDirectory).Index);
                if (ReadExisting(indexPath) != index)
                {
                    AtomicFile.WriteAllText(indexPath, index);
                }
                IndexError = null;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                IndexError = e.Message;
            }
            _fingerprint = fingerprint;
        }
    }

    /// <summary>The current index's text, or null when there is none that is a regular file (a fifo would block).</summary>
    private static string? ReadExisting(string indexPath)
    {
        try
        {
            return System.Text.Encoding.UTF8.GetString(RegularFile.ReadAllBytes(indexPath, RepositoryIndex.MaxFileBytes));
        }
        catch (IOException)
        {
            return null;
        }
    }
}
