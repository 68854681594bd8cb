namespace Distri.SquashFs.Writing;

/// <summary>One name in the source tree; hard links are several nodes sharing one <see cref="ImageInode"/>.</summary>
internal sealed class SourceNode(byte[] name, ImageInode inode)
{
    public byte[] Name { get; } = name;
    public ImageInode Inode { get; } = inode;
    /// <summary>Children sorted by name bytes; null unless a directory.</summary>
    public List<SourceNode>? Children { get; set; }
}

/// <summary>Everything the image stores about one inode, filled in by the scan, the data pass and the table pass.</summary>
internal sealed class ImageInode
{
    public required SquashFsEntryType Type { get; init; }
    public required ushort Permissions { get; init; }
    public required ushort UidIndex { get; init; }
    public required ushort GidIndex { get; init; }
    public required uint Mtime { get; init; }
    /// <summary>Index into the xattr id table, or <see cref="XattrTable.None"/>.</summary>
    public required uint XattrId { get; init; }
    /// <summary>The source's identity, so the data pass can tell when a file was swapped meanwhile.</summary>
    public required (uint DevMajor, uint DevMinor, ulong Ino) SourceId { get; init; }

    public ulong Size { get; init; }
    /// <summary>Device number in the kernel's new_encode_dev format.</summary>
    public uint Rdev { get; init; }
    public byte[]? SymlinkTarget { get; init; }

    /// <summary>Names linking to this inode inside the image (not st_nlink, which counts links outside it too).</summary>
    public uint LinkCount { get; set; } = 1;
    public int SubdirectoryCount { get; set; }

    // Data pass.
    public ulong DataStart { get; set; }
    public uint[] BlockSizes { get; set; } = [];
    public ulong SparseBytes { get; set; }
    public bool DataWritten { get; set; }

    // Table pass.
    public uint Number { get; set; }
    public long Reference { get; set; } = -1;
}
