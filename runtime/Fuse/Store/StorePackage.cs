using System.Collections.Concurrent;
using Distri.Packages;
using Distri.SquashFs;

namespace Distri.Fuse.Store;

/// <summary>
/// One package image of the store, known to the daemon for its whole life (a removed package's
/// image stays open for processes still reading it). Its inodes are numbered
/// <c>(Slot &lt;&lt; 32) | squashfs inode number</c>, the image root being number 0. The image is
/// opened on first use; if it cannot be read the package is broken: logged once, EIO from then on.
/// </summary>
internal sealed class StorePackage
{
    private readonly Lock _openLock = new();
    private readonly Action<string> _log;
    private SquashFsImage? _image;
    private volatile bool _broken;

    public StorePackage(PackageFullName fullName, string imagePath, uint slot, IReadOnlyList<ExchangeDirectory> joins, Action<string> log)
    {
        FullName = fullName;
        Name = fullName.ToString();
        ImagePath = imagePath;
        Slot = slot;
        Joins = joins;
        _log = log;
    }

    public PackageFullName FullName { get; }
    public string Name { get; }
    public string ImagePath { get; }
    public uint Slot { get; }

    /// <summary>Per-package exchange directories this package's meta declares (plugin → host).</summary>
    public IReadOnlyList<ExchangeDirectory> Joins { get; }

    /// <summary>Inodes handed to the kernel, by squashfs inode number: the kernel only names inodes it was given.</summary>
    public ConcurrentDictionary<uint, SquashFsInode> Inodes { get; } = new();

    public ulong RootNodeId => (ulong)Slot << 32;

    public ulong NodeId(uint inodeNumber) => ((ulong)Slot << 32) | inodeNumber;

    /// <summary>The open image, or null when it cannot be read (the reason was logged once).</summary>
    public SquashFsImage? Image
    {
        get
        {
            var image = Volatile.Read(ref _image);
            if (image is not null || _broken) return image;
            lock (_openLock)
            {
                if (_image is not null || _broken) return _image;
                try
                {
                    image = SquashFsImage.Open(ImagePath);
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

    /// <summary>Remembers that the image is unusable and logs it, only the first time.</summary>
    public void MarkBroken(Exception reason)
    {
        lock (_openLock)
        {
            if (_broken) return;
            _broken = true;
        }
        _log($"{ImagePath}: cannot read image, its tree answers EIO: {reason.Message}");
    }

    /// <summary>Resolves a node id of this package to its inode (the root for inode number 0).</summary>
    public SquashFsInode? Inode(uint inodeNumber)
    {
        if (inodeNumber == 0) return Image?.Root;
        return Inodes.TryGetValue(inodeNumber, out var inode) ? inode : null;
    }

    /// <summary>The node id the kernel sees for <paramref name="inode"/>, remembering it for later requests.</summary>
    public ulong Remember(SquashFsInode inode, SquashFsImage image)
    {
        if (ReferenceEquals(inode, image.Root) || inode.InodeReference == image.Root.InodeReference) return RootNodeId;
        Inodes.TryAdd(inode.InodeNumber, inode);
        return NodeId(inode.InodeNumber);
    }
}
