namespace Distri.SquashFs;

/// <summary>Where a regular file's data lives. The block list is loaded on first read and kept.</summary>
internal sealed class FileLayout
{
    public required long BlocksStart { get; init; }
    public required int BlockCount { get; init; }
    public required uint Fragment { get; init; }
    public required int FragmentOffset { get; init; }
    /// <summary>Where the block sizes start in the inode table.</summary>
    public required MetadataCursor BlockList { get; init; }
    /// <summary>Loaded once; a race only makes two threads build equal lists.</summary>
    public volatile FileBlocks? Blocks;
}

/// <summary>
/// Checkpoints into a file's block list: every <see cref="Interval"/> blocks, where that block's
/// size is listed and where its data starts. Memory stays at 1/256 of a full list, so a hostile
/// block count cannot make us allocate gigabytes; a read walks at most 255 sizes from a checkpoint.
/// </summary>
internal sealed class FileBlocks(long[] positions, MetadataCursor[] cursors)
{
    public const int Interval = 256;
    public long[] Positions { get; } = positions;
    public MetadataCursor[] Cursors { get; } = cursors;
}

/// <summary>Where a directory's listing lives and its optional index for lookups in big directories.</summary>
internal sealed class DirectoryLayout
{
    public required uint StartBlock { get; init; }
    public required int Offset { get; init; }
    /// <summary>Bytes of listing (the inode's size minus the 3 the format adds for "." and "..").</summary>
    public required long ListingSize { get; init; }
    public required int IndexCount { get; init; }
    public required MetadataCursor Index { get; init; }
}
