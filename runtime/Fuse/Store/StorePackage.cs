using System.Collections.Concurrent;
using Distri.Fuse.Native;
using Distri.Fuse.Nodes;
using Distri.Packages;
using Distri.SquashFs;

namespace Distri.Fuse.Store;

/// <summary>
/// One package image of the store as the scanner found it: a full name and the file it had then
/// (<see cref="Identity"/>). Its inodes are numbered <c>(Slot &lt;&lt; 32) | squashfs inode number</c>,
/// the image root being number 0. The image is opened on first use; if it cannot be read the package
/// is broken: logged once, EIO from then on. When the file leaves the store or changes, the scanner
/// retires the package; its image stays open while the kernel still holds any of its nodes (processes
/// still reading), and is closed when the kernel has forgotten the last one.
/// </summary>
internal sealed class StorePackage
{
    private readonly Lock _lock = new();
    private readonly Action<string> _log;
    private readonly Action<StorePackage> _closed;
    private SquashFsImage? _image;
    // The image root, made with the image; then nodes handed to the kernel, by squashfs inode
    // number (the kernel only names nodes it was given).
    private ImageNode? _root;
    private readonly ConcurrentDictionary<uint, ImageNode> _nodes = new();
    private volatile bool _broken;
    private volatile bool _retired;
    private bool _isClosed;
    private long _lookups;

    private readonly ImageOpener _images;

    public StorePackage(PackageFullName fullName, string imagePath, FileIdentity? identity, uint slot, IReadOnlyList<ExchangeDirectory> joins, Action<string> log, Action<StorePackage> closed,
        ImageOpener? images = null)
    {
        _images = images ?? ImageOpener.Direct;
        FullName = fullName;
        Name = fullName.ToString();
        ImagePath = imagePath;
        Identity = identity;
        Slot = slot;
        Joins = joins;
        _log = log;
        _closed = closed;
    }

    public PackageFullName FullName { get; }
    public string Name { get; }
    public string ImagePath { get; }

    /// <summary>The image file as the scan saw it; a different identity later means different contents.</summary>
    public FileIdentity? Identity { get; }
    public uint Slot { get; }

    /// <summary>Per-package exchange directories this package's meta declares (plugin → host).</summary>
    public IReadOnlyList<ExchangeDirectory> Joins { get; }

    public ulong RootNodeId => (ulong)Slot << 32;

    public ulong NodeId(uint inodeNumber) => ((ulong)Slot << 32) | inodeNumber;

    /// <summary>The open image, or null when it cannot be read (the reason was logged once) or was closed.</summary>
    public SquashFsImage? Image
    {
        get
        {
            if (_broken) return null;
            var image = Volatile.Read(ref _image);
            if (image is not null) return image;
            lock (_lock)
            {
                if (_image is not null || _broken || _isClosed) return _image;
                try
                {
                    image = _images.Open(ImagePath, Identity);
                    _root = new ImageNode(this, image, image.Root, RootNodeId);
                    Volatile.Write(ref _image, image);
                    return image;
                }
                catch (Exception e) when (e is SquashFsException or IOException or UnauthorizedAccessException or NotImplementedException)
                {
                    MarkBroken(e);
                    return null;
                }
            }
        }
    }

    public bool IsBroken => _broken;

    /// <summary>Remembers that the image is unusable and logs it, only the first time (not at all once it left the store).</summary>
    public void MarkBroken(Exception reason)
    {
        lock (_lock)
        {
            if (_broken || _retired) return;
            _broken = true;
        }
        _log($"{ImagePath}: cannot read image, its tree answers EIO: {reason.Message}");
    }

    /// <summary>Counts a node of this package handed to the kernel (one FUSE lookup).</summary>
    public void AddLookup() => Interlocked.Increment(ref _lookups);

    /// <summary>The kernel dropped <paramref name="count"/> lookups of a node of this package.</summary>
    public void Forget(ulong count)
    {
        if (Interlocked.Add(ref _lookups, -(long)Math.Min(count, long.MaxValue)) <= 0 && _retired) Close();
    }

    /// <summary>The file left the store or changed: no new snapshot shows this package, and its image closes once unused.</summary>
    public void Retire()
    {
        _retired = true;
        if (Interlocked.Read(ref _lookups) <= 0) Close();
    }

    /// <summary>Closes (gives back) the image now; also when its view is gone and the kernel holds nothing of it any more.</summary>
    public void Close()
    {
        SquashFsImage? image;
        lock (_lock)
        {
            if (_isClosed) return;
            _isClosed = true;
            image = _image;
            Volatile.Write(ref _image, null);
        }
        // Frees the disk space of a deleted image; a request still reading it gets a reader error (EIO).
        if (image is not null) _images.Release(image);
        _closed(this);
    }

    /// <summary>
    /// The node the kernel knows as inode number <paramref name="inodeNumber"/> of this package (0 is
    /// the image root), or null and the errno to answer: EIO when the image cannot be read, ENOENT
    /// for a number never handed out.
    /// </summary>
    public ImageNode? Node(uint inodeNumber, out int errno)
    {
        errno = Errno.EIO;
        if (Image is not { } image) return null;
        errno = Errno.ENOENT;
        if (inodeNumber == 0) return _root;
        return _nodes.TryGetValue(inodeNumber, out var node) ? node : null;
    }

    /// <summary>The node the kernel gets for <paramref name="inode"/> of <paramref name="image"/>, kept for its later requests.</summary>
    public ImageNode Remember(SquashFsInode inode, SquashFsImage image)
    {
        if (ReferenceEquals(inode, image.Root) || inode.InodeReference == image.Root.InodeReference) return _root!;
        if (_nodes.TryGetValue(inode.InodeNumber, out var known)) return known;
        return _nodes.GetOrAdd(inode.InodeNumber, new ImageNode(this, image, inode, NodeId(inode.InodeNumber)));
    }

    /// <summary>
    /// The node of a directory entry (its inode number and reference) to hand out with the listing:
    /// the one kept since the kernel first got it, else decoded now. Null when the image is closed.
    /// </summary>
    public ImageNode? Remember(uint inodeNumber, long inodeReference)
    {
        if (_nodes.TryGetValue(inodeNumber, out var known) && known.Inode.InodeReference == inodeReference) return known;
        if (Image is not { } image) return null;
        return Remember(image.GetInode(inodeReference), image);
    }
}
