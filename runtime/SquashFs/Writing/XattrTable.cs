using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Distri.Linux;
using Distri.SquashFs.Format;

namespace Distri.SquashFs.Writing;

/// <summary>
/// The xattr tables. Each distinct set of xattrs is stored once (files with identical xattrs share
/// an id) as key/value entries, values inline; inodes refer to a set by its index in the id table.
/// </summary>
internal sealed class XattrTable
{
    public const uint None = 0xFFFFFFFF;

    private static readonly (byte[] Prefix, SquashFsXattrPrefix Type)[] Prefixes =
    [
        ("user."u8.ToArray(), SquashFsXattrPrefix.User),
        ("trusted."u8.ToArray(), SquashFsXattrPrefix.Trusted),
        ("security."u8.ToArray(), SquashFsXattrPrefix.Security),
    ];

    private readonly Dictionary<byte[], uint> _ids = new(ByteArrayComparer.Instance);
    private readonly List<(byte[] Entries, uint Count)> _sets = [];

    public int Count => _sets.Count;

    /// <summary>Reads all xattrs of <paramref name="path"/> and returns the id of that set, or <see cref="None"/>.</summary>
    public uint Add(string path)
    {
        var names = LibC.ListXattrs(path);
        if (names.Count == 0) return None;

        var entries = new List<(SquashFsXattrPrefix Type, byte[] Name, byte[] Value)>(names.Count);
        foreach (var fullName in names)
        {
            var (type, prefixLength) = Classify(fullName, path);
            var value = LibC.GetXattr(path, fullName);
            if (value is null) continue; // removed between listing and reading
            entries.Add((type, fullName[prefixLength..], value));
        }
        if (entries.Count == 0) return None;
        // Sorted so the same set always serializes to the same bytes, whatever order the filesystem lists.
        entries.Sort((a, b) => a.Type != b.Type ? a.Type.CompareTo(b.Type) : a.Name.AsSpan().SequenceCompareTo(b.Name));

        var buffer = new ArrayBufferWriter<byte>();
        foreach (var (type, name, value) in entries)
        {
            var span = buffer.GetSpan(4 + name.Length + 4 + value.Length);
            BinaryPrimitives.WriteUInt16LittleEndian(span, (ushort)type);
            BinaryPrimitives.WriteUInt16LittleEndian(span[2..], (ushort)name.Length);
            name.CopyTo(span[4..]);
            BinaryPrimitives.WriteUInt32LittleEndian(span[(4 + name.Length)..], (uint)value.Length);
            value.CopyTo(span[(8 + name.Length)..]);
            buffer.Advance(8 + name.Length + value.Length);
        }
        var serialized = buffer.WrittenSpan.ToArray();
        if (_ids.TryGetValue(serialized, out var id)) return id;
        id = (uint)_sets.Count;
        _ids.Add(serialized, id);
        _sets.Add((serialized, (uint)entries.Count));
        return id;
    }

    private static (SquashFsXattrPrefix Type, int PrefixLength) Classify(byte[] fullName, string path)
    {
        foreach (var (prefix, type) in Prefixes)
            if (fullName.AsSpan().StartsWith(prefix) && fullName.Length > prefix.Length)
                return (type, prefix.Length);
        // e.g. system.posix_acl_access: SquashFS has no prefix for it, and dropping it silently would lose data.
        throw new SquashFsException($"'{path}': xattr '{Encoding.UTF8.GetString(fullName)}' is outside the user., trusted. and security. namespaces SquashFS can store");
    }

    /// <summary>Writes the key/value blocks, the id blocks and the id table header; returns xattr_id_table_start.</summary>
    public ulong WriteTo(ImageOutput output)
    {
        if (_sets.Count == 0) return SquashFsFormat.InvalidTable;

        var pairs = new MetadataWriter();
        var ids = new MetadataWriter();
        Span<byte> idEntry = stackalloc byte[16];
        foreach (var (entries, count) in _sets)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(idEntry, (ulong)pairs.Reference);
            BinaryPrimitives.WriteUInt32LittleEndian(idEntry[8..], count);
            BinaryPrimitives.WriteUInt32LittleEndian(idEntry[12..], (uint)entries.Length);
            ids.Write(idEntry);
            pairs.Write(entries);
        }

        var pairsStart = output.Position;
        output.Write(pairs.Finish().Span);
        Span<byte> header = stackalloc byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(header, (ulong)pairsStart);
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], (uint)_sets.Count);
        BinaryPrimitives.WriteUInt32LittleEndian(header[12..], 0);
        return TableIndex.Write(output, ids, header);
    }
}

internal sealed class ByteArrayComparer : IEqualityComparer<byte[]>
{
    public static ByteArrayComparer Instance { get; } = new();

    public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

    public int GetHashCode(byte[] obj)
    {
        var hash = new HashCode();
        hash.AddBytes(obj);
        return hash.ToHashCode();
    }
}
