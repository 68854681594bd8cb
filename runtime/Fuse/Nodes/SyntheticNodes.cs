using System.Collections.Concurrent;

namespace Distri.Fuse.Nodes;

/// <summary>
/// The synthetic nodes and their ids (slot 0 of the id space; the root is 1). Ids are keyed by kind
/// and path, so a path that turns from a link into a directory across rescans gets a new inode
/// rather than one that changes type. A lookup counts as a reference the kernel holds until it
/// forgets it; nodes the kernel forgot are dropped and their ids reused, so walking a big merged
/// tree does not keep one node per path for the daemon's life.
/// </summary>
internal sealed class SyntheticNodes
{
    public const ulong RootId = 1;

    private const char ExchangeDirectoryKind = 'd';
    private const char ExchangeLinkKind = 'l';
    private const char ExtraDirectoryKind = 'x';

    private readonly ConcurrentDictionary<string, ulong> _ids = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<ulong, SyntheticNode> _nodes = new();
    private readonly Stack<ulong> _freeIds = new();
    private long _nextId = (long)RootId + 1;

    public SyntheticNodes(IEnumerable<string> extraDirectories)
    {
        ExtraDirectories = new SortedSet<string>(extraDirectories, StringComparer.Ordinal);
        _nodes[RootId] = new RootNode(this);
    }

    /// <summary>The names <c>--extra-dir</c> shows as empty directories at the root.</summary>
    public SortedSet<string> ExtraDirectories { get; }

    /// <summary>The synthetic directories the kernel may hold now (the root always).</summary>
    public IEnumerable<ulong> DirectoryIds => _nodes.Values.OfType<SyntheticDirectory>().Select(d => d.Id);

    /// <summary>The node with <paramref name="id"/>, unless the kernel forgot it (or never had it).</summary>
    public SyntheticNode? Find(ulong id) => _nodes.TryGetValue(id, out var node) ? node : null;

    /// <summary>The id of an exchange directory's entry (<c>bin</c>, <c>share/man/man1/zsh.1</c>) for a listing: no lookup is counted.</summary>
    public ulong ListedExchangeEntry(string path, bool isDirectory) => Listed(isDirectory ? ExchangeDirectoryKind : ExchangeLinkKind, path);

    /// <summary>The node of an exchange directory's entry for a lookup answer: counted as one more lookup.</summary>
    public SyntheticNode LookUpExchangeEntry(string path, bool isDirectory) => LookUp(isDirectory ? ExchangeDirectoryKind : ExchangeLinkKind, path);

    public ulong ListedExtraDirectory(string name) => Listed(ExtraDirectoryKind, name);

    public SyntheticNode LookUpExtraDirectory(string name) => LookUp(ExtraDirectoryKind, name);

    private ulong Listed(char kind, string path)
    {
        var key = kind + path;
        if (_ids.TryGetValue(key, out var known)) return known;
        lock (_ids) return GetOrCreate(kind, path, key).Id;
    }

    private SyntheticNode LookUp(char kind, string path)
    {
        lock (_ids)
        {
            var node = GetOrCreate(kind, path, kind + path);
            node.Lookups++;
            return node;
        }
    }

    private SyntheticNode GetOrCreate(char kind, string path, string key)
    {
        if (_ids.TryGetValue(key, out var id)) return _nodes[id];
        id = _freeIds.TryPop(out var free) ? free : (ulong)Interlocked.Increment(ref _nextId);
        if (id > uint.MaxValue) throw new InvalidOperationException("out of synthetic inode numbers");
        SyntheticNode node = kind switch
        {
            ExchangeDirectoryKind => new ExchangeDirectoryNode(id, path, key, this),
            ExchangeLinkKind => new ExchangeLinkNode(id, path, key, this),
            _ => new ExtraDirectoryNode(id, key, this),
        };
        _nodes[id] = node;
        _ids[key] = id;
        return node;
    }

    /// <summary>The kernel dropped <paramref name="lookups"/> references to <paramref name="id"/>; at none the node goes.</summary>
    public void Forget(ulong id, ulong lookups)
    {
        lock (_ids)
        {
            if (id == RootId || !_nodes.TryGetValue(id, out var node)) return;
            node.Lookups -= (long)Math.Min(lookups, long.MaxValue);
            if (node.Lookups > 0) return;
            _nodes.TryRemove(id, out _);
            _ids.TryRemove(new KeyValuePair<string, ulong>(node.Key, id));
            _freeIds.Push(id);
        }
    }
}
