using System.Security.Cryptography;
using Distri.Linux;

namespace Distri.Sources;

/// <summary>
/// The source cache: files named by their sha256 in one directory. Entries arrive through a temp
/// file in the same directory and a rename, after their hash is checked, so a name always holds
/// exactly the bytes it promises; a present entry is re-hashed before use.
/// </summary>
public sealed class SourceCache(string directory)
{
    public string Directory { get; } = directory;

    public string PathOf(string sha256) => System.IO.Path.Combine(Directory, sha256.ToLowerInvariant());

    /// <summary>The cached file for the hash, verified; a corrupt entry is deleted and reported as absent.</summary>
    public string? TryGet(string sha256)
    {
        var path = PathOf(sha256);
        if (!File.Exists(path)) return null;
        if (string.Equals(HashFile(path), sha256, StringComparison.OrdinalIgnoreCase)) return path;
        File.Delete(path);
        return null;
    }

    public string NewTempPath() => AtomicFile.TempPath(System.IO.Path.Combine(System.IO.Directory.CreateDirectory(Directory).FullName, "download"));

    /// <summary>Moves a verified temp file into place (another build may have won the race: same bytes).</summary>
    public string Commit(string tempPath, string sha256)
    {
        var path = PathOf(sha256);
        AtomicFile.Commit(tempPath, path);
        return path;
    }

    public static string HashFile(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
