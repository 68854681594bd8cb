namespace Distri.Linux;

/// <summary>
/// Writes a file through a temp file in the same directory and a rename, so a reader sees the old
/// file or the new one, never half of one, and a failure leaves the old one (or nothing) in place.
/// The temp name is hidden (a leading dot: nothing lists it as a package), unpredictable, and
/// created exclusively (<c>O_EXCL</c>), so a symlink planted under it is never followed. No fsync:
/// callers whose writes must survive a power loss re-check what they find.
/// </summary>
public static class AtomicFile
{
    /// <summary>A fresh hidden temp name beside <paramref name="path"/>, for a caller that fills the file another way and then calls <see cref="Commit"/>.</summary>
    public static string TempPath(string path)
    {
        var full = Path.GetFullPath(path);
        return Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
    }

    /// <summary>Renames a finished temp file over <paramref name="path"/>.</summary>
    public static void Commit(string tempPath, string path) => File.Move(tempPath, path, overwrite: true);

    /// <summary>
    /// Creates the temp file, lets <paramref name="write"/> fill it, then renames it over
    /// <paramref name="path"/>; on any failure the temp file is removed and the error stands.
    /// <paramref name="finish"/> runs on the closed temp file before the rename (mode, times).
    /// </summary>
    public static void Write(string path, Action<FileStream> write, Action<string>? finish = null, int bufferSize = 1 << 16)
    {
        var temp = TempPath(path);
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, bufferSize))
                write(stream);
            finish?.Invoke(temp);
            Commit(temp, path);
        }
        catch
        {
            try
            {
                File.Delete(temp);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Keep the original error; the directory may not even exist.
            }
            throw;
        }
    }

    public static void WriteAllText(string path, string text) =>
        Write(path, stream =>
        {
            using var writer = new StreamWriter(stream);
            writer.Write(text);
        });

    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        var copy = bytes.ToArray();
        Write(path, stream => stream.Write(copy));
    }

    /// <summary>
    /// Writes <paramref name="text"/> only when the file does not already hold it, so its time can
    /// be an incremental-build input; true when it wrote.
    /// </summary>
    public static bool WriteIfChanged(string path, string text)
    {
        if (File.Exists(path) && File.ReadAllText(path) == text) return false;
        WriteAllText(path, text);
        return true;
    }

    /// <summary>Copies <paramref name="source"/> to <paramref name="path"/> through a temp file.</summary>
    public static void Copy(string source, string path) =>
        Write(path, target =>
        {
            using var from = File.OpenRead(source);
            from.CopyTo(target, 1 << 20);
        }, bufferSize: 0);
}
