using System.Text;
using Distri.SquashFs.Format;

namespace Distri.SquashFs;

/// <summary>Extended attributes: the id table, inline and out-of-line values.</summary>
public sealed partial class SquashFsImage
{
    /// <summary>All extended attributes with their full names ("security.capability"), in stored order.</summary>
    public IReadOnlyList<KeyValuePair<string, byte[]>> GetXattrs(SquashFsInode inode)
    {
        if (inode.XattrIndex is not uint index) return [];
        if (index >= _xattrIdCount || _xattrIds is null || _xattrValues is null)
            throw Corrupt($"inode {inode.InodeNumber} uses xattr set {index} of {_xattrIdCount}");
        var position = (long)index * 16;
        var c = new MetadataCursor(_xattrIdIndex[position / SquashFsFormat.MetadataBlockSize], (int)(position % SquashFsFormat.MetadataBlockSize));
        var reference = _xattrIds.ReadUInt64(ref c);
        var count = _xattrIds.ReadUInt32(ref c);
        _xattrIds.ReadUInt32(ref c); // total size
        if (reference > long.MaxValue) throw Corrupt($"xattr set {index} has reference {reference:x}");
        // Each pair takes at least 8 bytes; a count beyond what the table holds is a lie.
        if (count > (_xattrValues.End - _xattrValues.Start) / 3 * SquashFsFormat.MetadataBlockSize / 8)
            throw Corrupt($"xattr set {index} claims {count} attributes");

        var pairs = new List<KeyValuePair<string, byte[]>>((int)Math.Min(count, 64));
        var kv = _xattrValues.At((long)reference);
        Span<byte> name = stackalloc byte[XattrNameMax];
        for (var i = 0; i < count; i++)
        {
            var type = _xattrValues.ReadUInt16(ref kv);
            var nameSize = _xattrValues.ReadUInt16(ref kv);
            var prefix = (type & 0xFF) switch
            {
                0 => "user.",
                1 => "trusted.",
                2 => "security.",
                _ => throw Corrupt($"xattr set {index} has unknown name prefix {type & 0xFF}"),
            };
            if ((type & ~0x1FF) != 0) throw Corrupt($"xattr set {index} has invalid type {type:x}");
            if (nameSize > XattrNameMax) throw Corrupt($"xattr set {index} has a name of {nameSize} bytes");
            _xattrValues.Read(ref kv, name[..nameSize]);
            var fullName = prefix + Encoding.UTF8.GetString(name[..nameSize]);
            var valueSize = _xattrValues.ReadUInt32(ref kv);
            byte[] value;
            if ((type & (ushort)SquashFsXattrPrefix.OutOfLineFlag) != 0)
            {
                // The value is a reference to a value stored once elsewhere in the table.
                if (valueSize != 8) throw Corrupt($"xattr '{fullName}' has an out-of-line reference of {valueSize} bytes");
                var valueReference = _xattrValues.ReadUInt64(ref kv);
                if (valueReference > long.MaxValue) throw Corrupt($"xattr '{fullName}' has reference {valueReference:x}");
                var vc = _xattrValues.At((long)valueReference);
                value = ReadXattrValue(ref vc, _xattrValues.ReadUInt32(ref vc), fullName);
            }
            else
            {
                value = ReadXattrValue(ref kv, valueSize, fullName);
            }
            pairs.Add(new(fullName, value));
        }
        return pairs;
    }

    private byte[] ReadXattrValue(ref MetadataCursor cursor, uint size, string name)
    {
        if (size > MaxXattrValueSize) throw Corrupt($"xattr '{name}' claims a {size}-byte value");
        var value = new byte[size];
        _xattrValues!.Read(ref cursor, value);
        return value;
    }
}
