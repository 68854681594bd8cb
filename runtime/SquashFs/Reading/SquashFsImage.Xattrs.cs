using System.Text;
using Distri.SquashFs.Format;

namespace Distri.SquashFs;

/// <summary>
/// Extended attributes: the id table, inline and out-of-line values. Each call walks the inode's
/// entries by name and reads only the value asked for. A crafted table may point every entry's
/// out-of-line value at one 64 KiB value, so decoding whole sets would turn a small image into
/// gigabytes per call; walks are bounded by the names a real file can have (Linux's listxattr
/// limit), and at most one value is read.
/// </summary>
public sealed partial class SquashFsImage
{
    /// <summary>Linux's XATTR_LIST_MAX: listxattr(2) never returns more, so no file mksquashfs read has more names.</summary>
    public const int XattrListMax = 65536;
    /// <summary>Linux's XATTR_SIZE_MAX, the largest value a file can have.</summary>
    public const int XattrSizeMax = 65536;
    /// <summary>What <see cref="GetXattrs"/> reads at most for one inode (values may be shared out of line).</summary>
    private const int MaxXattrSetValueBytes = 16 * XattrSizeMax;

    private static readonly string[] XattrPrefixes = ["user.", "trusted.", "security."];

    /// <summary>
    /// The inode's xattr names as listxattr(2) returns them: each full name ("security.capability")
    /// followed by a NUL, in stored order. Reads no value.
    /// </summary>
    /// <exception cref="SquashFsException">A corrupt table, or names beyond <see cref="XattrListMax"/> bytes.</exception>
    public byte[] ListXattrNames(SquashFsInode inode)
    {
        var set = OpenXattrSet(inode);
        var names = new MemoryStream();
        Span<byte> name = stackalloc byte[MaxXattrFullName];
        while (NextXattr(ref set, name, out var length, out _))
        {
            names.Write(name[..length]);
            names.WriteByte(0);
        }
        return names.ToArray();
    }

    /// <summary>The value of the xattr named <paramref name="fullName"/> ("user.x"), or null if the inode has none by that name.</summary>
    /// <exception cref="SquashFsException">A corrupt table.</exception>
    public byte[]? GetXattr(SquashFsInode inode, string fullName)
    {
        ArgumentNullException.ThrowIfNull(fullName);
        var wanted = Encoding.UTF8.GetBytes(fullName);
        var set = OpenXattrSet(inode);
        Span<byte> name = stackalloc byte[MaxXattrFullName];
        while (NextXattr(ref set, name, out var length, out var value))
        {
            if (name[..length].SequenceEqual(wanted)) return ReadXattrValue(value, fullName);
        }
        return null;
    }

    /// <summary>All extended attributes with their full names and values, in stored order (at most 1 MiB of values).</summary>
    /// <exception cref="SquashFsException">A corrupt table, or more values than a file can plausibly hold.</exception>
    public IReadOnlyList<KeyValuePair<string, byte[]>> GetXattrs(SquashFsInode inode)
    {
        var set = OpenXattrSet(inode);
        var pairs = new List<KeyValuePair<string, byte[]>>();
        Span<byte> name = stackalloc byte[MaxXattrFullName];
        long total = 0;
        while (NextXattr(ref set, name, out var length, out var location))
        {
            var fullName = Encoding.UTF8.GetString(name[..length]);
            var value = ReadXattrValue(location, fullName);
            total += value.Length;
            if (total > MaxXattrSetValueBytes) throw Corrupt($"xattr values of inode {inode.InodeNumber} exceed {MaxXattrSetValueBytes} bytes");
            pairs.Add(new(fullName, value));
        }
        return pairs;
    }

    /// <summary>The longest full name: the longest prefix and a stored name of <see cref="XattrNameMax"/> bytes.</summary>
    private const int MaxXattrFullName = 9 + XattrNameMax;

    /// <summary>Where one walk through an inode's xattr entries is.</summary>
    private struct XattrWalk
    {
        public MetadataCursor Cursor;
        public uint Remaining;
        public uint Index;
        public int NameBytes;
    }

    /// <summary>A value's place: inline right at the cursor, or out of line at a reference to its size field.</summary>
    private readonly record struct XattrValueLocation(MetadataCursor Cursor, uint InlineSize, bool OutOfLine);

    private XattrWalk OpenXattrSet(SquashFsInode inode)
    {
        if (inode.XattrIndex is not uint index) return default;
        if (index >= _xattrIdCount || _xattrIds is null || _xattrValues is null)
            throw Corrupt($"inode {inode.InodeNumber} uses xattr set {index} of {_xattrIdCount}");
        var position = (long)index * 16;
        var c = new MetadataCursor(_xattrIdIndex[position / SquashFsFormat.MetadataBlockSize], (int)(position % SquashFsFormat.MetadataBlockSize));
        var reference = _xattrIds.ReadUInt64(ref c);
        var count = _xattrIds.ReadUInt32(ref c);
        _xattrIds.ReadUInt32(ref c); // total size
        if (reference > long.MaxValue) throw Corrupt($"xattr set {index} has reference {reference:x}");
        return new XattrWalk { Cursor = _xattrValues.At((long)reference), Remaining = count, Index = index };
    }

    /// <summary>
    /// Reads the next entry's full name into <paramref name="name"/> and steps over its value
    /// without reading it; false after the last entry.
    /// </summary>
    private bool NextXattr(ref XattrWalk walk, Span<byte> name, out int length, out XattrValueLocation value)
    {
        length = 0;
        value = default;
        if (walk.Remaining == 0) return false;
        walk.Remaining--;
        var values = _xattrValues!;
        var type = values.ReadUInt16(ref walk.Cursor);
        var nameSize = values.ReadUInt16(ref walk.Cursor);
        if ((type & ~0x1FF) != 0) throw Corrupt($"xattr set {walk.Index} has invalid type {type:x}");
        var prefix = (type & 0xFF) < XattrPrefixes.Length ? XattrPrefixes[type & 0xFF] : throw Corrupt($"xattr set {walk.Index} has unknown name prefix {type & 0xFF}");
        if (nameSize > XattrNameMax) throw Corrupt($"xattr set {walk.Index} has a name of {nameSize} bytes");
        length = Encoding.ASCII.GetBytes(prefix, name);
        values.Read(ref walk.Cursor, name.Slice(length, nameSize));
        length += nameSize;
        // Bounds the walk: a set claiming millions of entries stops here, long before its end.
        walk.NameBytes += length + 1;
        if (walk.NameBytes > XattrListMax) throw Corrupt($"xattr set {walk.Index} has more than {XattrListMax} bytes of names");

        var size = values.ReadUInt32(ref walk.Cursor);
        if ((type & (ushort)SquashFsXattrPrefix.OutOfLineFlag) != 0)
        {
            if (size != 8) throw Corrupt($"xattr set {walk.Index} has an out-of-line reference of {size} bytes");
            var reference = values.ReadUInt64(ref walk.Cursor);
            if (reference > long.MaxValue) throw Corrupt($"xattr set {walk.Index} has value reference {reference:x}");
            value = new XattrValueLocation(values.At((long)reference), 0, OutOfLine: true);
            return true;
        }
        if (size > XattrSizeMax) throw Corrupt($"xattr set {walk.Index} claims a {size}-byte value");
        value = new XattrValueLocation(walk.Cursor, size, OutOfLine: false);
        values.Skip(ref walk.Cursor, size);
        return true;
    }

    private byte[] ReadXattrValue(XattrValueLocation location, string name)
    {
        var cursor = location.Cursor;
        var size = location.OutOfLine ? _xattrValues!.ReadUInt32(ref cursor) : location.InlineSize;
        if (size > XattrSizeMax) throw Corrupt($"xattr '{name}' claims a {size}-byte value");
        var value = new byte[size];
        _xattrValues!.Read(ref cursor, value);
        return value;
    }
}
