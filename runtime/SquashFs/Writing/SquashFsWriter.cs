using Distri.Linux;
using Distri.SquashFs.Writing;

namespace Distri.SquashFs;

/// <summary>
/// Writes a directory tree as a SquashFS 4.0 image: uncompressed, without fragments, reproducible
/// (entries sorted by name bytes, inode numbers in write order, times from the options).
/// </summary>
public static class SquashFsWriter
{
    /// <summary>
    /// Writes <paramref name="sourceDirectory"/> to <paramref name="imagePath"/> through a temporary
    /// file in the same directory and a rename, so a failure leaves nothing at <paramref name="imagePath"/>.
    /// </summary>
    /// <exception cref="SquashFsException">The tree holds something the image cannot or may not hold.</exception>
    /// <exception cref="IOException">The source cannot be read or the image cannot be written.</exception>
    public static void Write(string sourceDirectory, string imagePath, SquashFsWriterOptions? options = null)
    {
        AtomicFile.Write(imagePath, stream =>
        {
            // Never read the image being written, should it lie inside the source tree.
            var self = LibC.FStat(stream.SafeFileHandle, imagePath);
            new ImageWriter(options ?? new SquashFsWriterOptions(), stream).Write(sourceDirectory, (self.DevMajor, self.DevMinor, self.Ino));
        }, bufferSize: 0);
    }

    /// <summary>Writes the image to a seekable stream, starting at its current position.</summary>
    /// <exception cref="SquashFsException">The tree holds something the image cannot or may not hold.</exception>
    public static void Write(string sourceDirectory, Stream output, SquashFsWriterOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (!output.CanSeek || !output.CanWrite) throw new ArgumentException("the output stream must be writable and seekable", nameof(output));
        new ImageWriter(options ?? new SquashFsWriterOptions(), output).Write(sourceDirectory, exclude: null);
    }
}
