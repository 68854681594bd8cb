namespace Distri.SquashFs.Writing;

/// <summary>The image being written: positions are relative to where the image starts in the stream.</summary>
internal sealed class ImageOutput(Stream stream)
{
    private readonly long _origin = stream.Position;

    public long Position { get; private set; }

    public void Write(ReadOnlySpan<byte> data)
    {
        stream.Write(data);
        Position += data.Length;
    }

    /// <summary>Overwrites bytes written earlier (the superblock), then returns to the end.</summary>
    public void WriteAt(long position, ReadOnlySpan<byte> data)
    {
        stream.Position = _origin + position;
        stream.Write(data);
        stream.Position = _origin + Position;
    }
}
