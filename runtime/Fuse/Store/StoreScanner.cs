using Distri.Packages;

namespace Distri.Fuse.Store;

/// <summary>
/// Lists a store directory into <see cref="StoreSnapshot"/>s. A package exists when its
/// <c>&lt;full&gt;.squashfs</c> does (installs rename the image into place last); files whose names do
/// not parse (temp files, hostile names) are ignored. Metas are read once per package.
/// </summary>
internal sealed class StoreScanner
{
    private readonly string _storeDirectory;
    private readonly IReadOnlySet<string>? _only;
    private readonly Action<string> _log;
    private readonly Dictionary<PackageFullName, StorePackage> _known = [];
    private readonly System.Collections.Concurrent.ConcurrentDictionary<uint, StorePackage> _bySlot = new();
    private readonly Lock _lock = new();
    private long _generation;

    /// <param name="only">When set (<c>--pkgs</c>), the only full names that may appear.</param>
    public StoreScanner(string storeDirectory, IReadOnlySet<string>? only, Action<string> log)
    {
        _storeDirectory = storeDirectory;
        _only = only;
        _log = log;
    }

    public string StoreDirectory => _storeDirectory;

    /// <summary>Any package ever seen, by slot: removed packages keep serving the kernel's open inodes.</summary>
    public StorePackage? BySlot(uint slot) => _bySlot.TryGetValue(slot, out var package) ? package : null;

    public StoreSnapshot Scan()
    {
        lock (_lock)
        {
            var visible = new List<StorePackage>();
            foreach (var path in Directory.EnumerateFiles(_storeDirectory, "*" + StoreLayout.ImageExtension))
            {
                var fileName = Path.GetFileName(path);
                if (!StoreLayout.TryParseImageFileName(fileName, out var fullName)) continue;
                if (_only is not null && !_only.Contains(fullName.ToString())) continue;
                if (!_known.TryGetValue(fullName, out var package))
                {
                    // Slots start at 1: slot 0 holds the synthetic nodes (the root, exchange dirs).
                    package = new StorePackage(fullName, path, (uint)_known.Count + 1, ReadJoins(fullName), _log);
                    _known.Add(fullName, package);
                    _bySlot[package.Slot] = package;
                }
                visible.Add(package);
            }
            return new StoreSnapshot(++_generation, visible, _log);
        }
    }

    private IReadOnlyList<ExchangeDirectory> ReadJoins(PackageFullName fullName)
    {
        var metaPath = Path.Combine(_storeDirectory, StoreLayout.MetaFileName(fullName));
        if (!File.Exists(metaPath)) return [];
        try
        {
            // Almost no package joins another's directory; skipping the YAML parser for those keeps
            // a daemon over a 50-package build closure ready in well under 100 ms.
            var text = File.ReadAllText(metaPath);
            if (!DeclaresExchangeDirectories(text)) return [];
            var meta = Yaml.Deserialize<PackageMeta>(text, metaPath);
            var joins = new List<ExchangeDirectory>();
            foreach (var join in meta.ExchangeDirectories)
            {
                var directory = join.Directory.Trim('/');
                // The directory is a path below out/ and the host a package name: nothing that climbs out.
                if (directory.Length == 0 || directory.Split('/').Any(c => c is "" or "." or "..")
                    || PackageFullName.ValidateComponent("host", join.Host, allowDash: true) is not null)
                {
                    _log($"{metaPath}: ignoring exchange directory '{join.Directory}' for host '{join.Host}'");
                    continue;
                }
                joins.Add(new ExchangeDirectory { Directory = directory, Host = join.Host });
            }
            return joins;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or InvalidDataException)
        {
            _log($"{metaPath}: cannot read meta, ignoring its exchange directories: {e.Message}");
            return [];
        }
    }

    /// <summary>True unless the meta certainly has no exchange directories (no key, or an empty list).</summary>
    internal static bool DeclaresExchangeDirectories(string metaText)
    {
        var key = metaText.IndexOf("exchangeDirectories:", StringComparison.Ordinal);
        if (key < 0) return false;
        var rest = metaText.AsSpan(key + "exchangeDirectories:".Length);
        var lineEnd = rest.IndexOf('\n');
        var value = (lineEnd < 0 ? rest : rest[..lineEnd]).Trim();
        return !value.SequenceEqual("[]");
    }
}
