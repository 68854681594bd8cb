namespace Distri.SquashFs;

/// <summary>
/// Writes a directory tree as a SquashFS 4.0 image: uncompressed, without fragments, reproducible.
/// (Stub: the writer issue fills this in.)
/// </summary>
public static class SquashFsWriter
{
    /// <summary>
    /// Writes <paramref name="sourceDirectory"/> to <paramref name="imagePath"/> through a temporary
    /// file in the same directory and a rename, so a failure leaves nothing at <paramref name="imagePath"/>.
    /// </summary>
    /// <exception cref="SquashFsException">The tree holds something the image cannot or may not hold.</exception>
    public static void Write(string sourceDirectory, string imagePath, SquashFsWriterOptions? options = null)
        => throw new NotImplementedException();

    /// <summary>Writes the image to a seekable stream.</summary>
    public static void Write(string sourceDirectory, Stream output, SquashFsWriterOptions? options = null)
        => throw new NotImplementedException();
}
