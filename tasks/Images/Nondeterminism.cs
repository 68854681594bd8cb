using System.Text;

namespace Distri.Tasks.Images;

/// <summary>
/// Rewrites of file contents that make builds differ only by when and where they ran — what
/// Debian's strip-nondeterminism does: gzip header times and names, <c>ar</c> member dates and
/// owners, <c>.pyc</c> source times, and the build directory's path in text files. Each takes the
/// bytes and returns the normalised ones, or null when there is nothing to change. Pure functions:
/// <see cref="NormalizeTree"/> walks the tree, tests call them directly.
/// </summary>
public static class Nondeterminism
{
    private const byte GzipText = 0x01, GzipHeaderCrc = 0x02, GzipExtra = 0x04, GzipName = 0x08, GzipComment = 0x10;

    /// <summary>
    /// A gzip member's header with time 0, no original file name, no header CRC and OS "Unix";
    /// the compressed data is untouched (its CRC covers the data only).
    /// </summary>
    public static byte[]? Gzip(byte[] data)
    {
        if (data.Length < 18 || data[0] != 0x1f || data[1] != 0x8b || data[2] != 8) return null;
        var flags = data[3];
        if ((flags & ~(GzipText | GzipHeaderCrc | GzipExtra | GzipName | GzipComment)) != 0) return null;
        var end = 10;
        var extra = Array.Empty<byte>();
        if ((flags & GzipExtra) != 0)
        {
            var length = data[end] | data[end + 1] << 8;
            if (end + 2 + length > data.Length) return null;
            extra = data[end..(end + 2 + length)];
            end += 2 + length;
        }
        if ((flags & GzipName) != 0 && !SkipZeroTerminated(data, ref end)) return null;
        var commentStart = end;
        if ((flags & GzipComment) != 0 && !SkipZeroTerminated(data, ref end)) return null;
        var comment = data[commentStart..end];
        if ((flags & GzipHeaderCrc) != 0) end += 2;
        if (end > data.Length) return null;

        var header = new List<byte> { 0x1f, 0x8b, 8, (byte)(flags & ~(GzipName | GzipHeaderCrc)), 0, 0, 0, 0, data[8], 3 };
        header.AddRange(extra);
        header.AddRange(comment);
        var result = new byte[header.Count + data.Length - end];
        header.CopyTo(result);
        data.AsSpan(end).CopyTo(result.AsSpan(header.Count));
        return result.AsSpan().SequenceEqual(data) ? null : result;
    }

    private static bool SkipZeroTerminated(byte[] data, ref int offset)
    {
        var zero = Array.IndexOf(data, (byte)0, offset);
        if (zero < 0) return false;
        offset = zero + 1;
        return true;
    }

    /// <summary>An <c>ar</c> archive (static libraries) with every member's date, uid and gid 0.</summary>
    public static byte[]? Ar(byte[] data)
    {
        if (data.Length < 8 || !data.AsSpan(0, 8).SequenceEqual("!<arch>\n"u8)) return null;
        var result = (byte[])data.Clone();
        for (var offset = 8; offset + 60 <= result.Length;)
        {
            if (result[offset + 58] != '`' || result[offset + 59] != '\n') return null;
            if (!long.TryParse(Encoding.ASCII.GetString(result, offset + 48, 10).Trim(), out var size) || size < 0) return null;
            Field(result, offset + 16, 12, "0");
            Field(result, offset + 28, 6, "0");
            Field(result, offset + 34, 6, "0");
            offset += 60 + (int)size + (int)(size & 1);
        }
        return result.AsSpan().SequenceEqual(data) ? null : result;
    }

    private static void Field(byte[] data, int offset, int length, string value)
    {
        data.AsSpan(offset, length).Fill((byte)' ');
        Encoding.ASCII.GetBytes(value).CopyTo(data, offset);
    }

    /// <summary>
    /// A timestamp-based <c>.pyc</c> (PEP 552 flags 0) recording <paramref name="mtime"/> as its
    /// source's time: the time every file in the image has, so Python still finds it current.
    /// </summary>
    public static byte[]? Pyc(byte[] data, uint mtime)
    {
        if (data.Length < 16 || data[2] != '\r' || data[3] != '\n' || BitConverter.ToUInt32(data, 4) != 0) return null;
        if (BitConverter.ToUInt32(data, 8) == mtime) return null;
        var result = (byte[])data.Clone();
        BitConverter.TryWriteBytes(result.AsSpan(8, 4), mtime);
        return result;
    }

    /// <summary>
    /// A text file (no NUL byte) with each <paramref name="paths"/> key replaced by its value
    /// (the build directory by a fixed one). Binaries are left alone: their lengths are fixed.
    /// </summary>
    public static byte[]? BuildPaths(byte[] data, IReadOnlyList<(byte[] From, byte[] To)> paths)
    {
        if (data.AsSpan().IndexOf((byte)0) >= 0 || !paths.Any(p => data.AsSpan().IndexOf(p.From) >= 0)) return null;
        var result = data;
        foreach (var (from, to) in paths) result = Replace(result, from, to);
        return result;
    }

    /// <summary>Whether <paramref name="data"/> contains any of <paramref name="paths"/>.</summary>
    public static bool Contains(byte[] data, IReadOnlyList<(byte[] From, byte[] To)> paths) => paths.Any(p => data.AsSpan().IndexOf(p.From) >= 0);

    private static byte[] Replace(byte[] data, byte[] from, byte[] to)
    {
        var output = new List<byte>(data.Length);
        var rest = data.AsSpan();
        int at;
        while ((at = rest.IndexOf(from)) >= 0)
        {
            output.AddRange(rest[..at]);
            output.AddRange(to);
            rest = rest[(at + from.Length)..];
        }
        output.AddRange(rest);
        return [.. output];
    }
}
