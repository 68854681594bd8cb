namespace Distri.SquashFs;

/// <summary>How <see cref="SquashFsWriter"/> turns a directory tree into an image.</summary>
public sealed record SquashFsWriterOptions
{
    /// <summary>
    /// Superblock creation time (seconds since the epoch). Defaults to SOURCE_DATE_EPOCH when set,
    /// else 0, so images are reproducible unless asked otherwise.
    /// </summary>
    public uint? ImageTime { get; init; }

    /// <summary>When set, every entry's mtime is replaced by this value (reproducible builds).</summary>
    public uint? Mtime { get; init; }

    /// <summary>Device nodes, fifos and sockets are refused unless this is set.</summary>
    public bool AllowSpecialFiles { get; init; }

    /// <summary>When set, every entry's owner is replaced by these ids (packages: root, whoever built them).</summary>
    public uint? Uid { get; init; }

    /// <summary>See <see cref="Uid"/>.</summary>
    public uint? Gid { get; init; }

    /// <summary>
    /// A root directory given as a symlink is followed (a user's own tree); a build's install tree
    /// is not trusted to point anywhere, so packages turn this off and a linked root is an error.
    /// </summary>
    public bool FollowRootSymlink { get; init; } = true;

    /// <summary>
    /// Which entries go in, by their path below the root ('/'-separated) and whether each is a
    /// directory; null: all. A directory left out still goes in when anything below it does, so one
    /// tree can be written as several disjoint images (a package and its split parts).
    /// </summary>
    public Func<string, bool, bool>? Include { get; init; }

    /// <summary>Data block size; a power of two between 4 KiB and 1 MiB.</summary>
    public int BlockSize { get; init; } = Format.SquashFsFormat.DefaultBlockSize;
}
