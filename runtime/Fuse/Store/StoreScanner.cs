using Distri.Packages;
using Distri.SquashFs;

namespace Distri.Fuse.Store;

/// <summary>
/// Lists a store directory into <see cref="StoreSnapshot"/>s. A package exists when its
/// <c>&lt;full&gt;.squashfs</c> does (installs rename the image into place last); files whose names do
/// not parse (temp files, hostile names) are ignored. Each scan compares every image's
/// <see cref="FileIdentity"/> with the last one: a file that changed (replaced, or still being
/// copied when first seen) becomes a new package with new node ids and its meta is read again; the
/// old one, like a package whose file left the store, is retired and its image closed once unused.
/// </summary>
internal sealed class StoreScanner
{
    private readonly string _storeDirectory;
    private readonly IReadOnlySet<string>? _only;
    private readonly Action<string> _log;
    private readonly Dictionary<PackageFullName, StorePackage> _current = [];
    private readonly System.Collections.Concurrent.ConcurrentDictionary<uint, StorePackage> _bySlot = new();
    private readonly List<StorePackage> _leaving = [];
    private readonly Lock _lock = new();
    private long _generation;
    private uint _lastSlot;

    private readonly ImageOpener _images;

    /// <param name="only">When set (<c>--pkgs</c>), the only full names that may appear.</param>
    /// <param name="images">How packages open their images (the view daemon shares them between views).</param>
    public StoreScanner(string storeDirectory, IReadOnlySet<string>? only, Action<string> log, ImageOpener? images = null)
    {
        _images = images ?? ImageOpener.Direct;
        _storeDirectory = storeDirectory;
        _only = only;
        _log = log;
    }

    public string StoreDirectory => _storeDirectory;

    /// <summary>Any package not yet closed, by slot: removed packages keep serving the kernel's open inodes.</summary>
    public StorePackage? BySlot(uint slot) => _bySlot.TryGetValue(slot, out var package) ? package : null;

    public StoreSnapshot Scan()
    {
        lock (_lock)
        {
            var visible = new List<StorePackage>();
            var seen = new HashSet<PackageFullName>();
            foreach (var path in Directory.EnumerateFiles(_storeDirectory, "*" + StoreLayout.ImageExtension))
            {
                var fileName = Path.GetFileName(path);
                if (!StoreLayout.TryParseImageFileName(fileName, out var fullName)) continue;
                if (_only is not null && !_only.Contains(fullName.ToString())) continue;
                if (FileIdentity.Of(path) is not { } identity) continue; // gone since the listing
                seen.Add(fullName);
                if (_current.TryGetValue(fullName, out var package) && package.Identity == identity)
                {
                    visible.Add(package);
                    continue;
                }
                if (package is not null) _leaving.Add(package);
                // Slots start at 1: slot 0 holds the synthetic nodes (the root, exchange dirs).
                package = new StorePackage(fullName, path, identity, ++_lastSlot, ReadJoins(fullName), _log, Closed, _images);
                _current[fullName] = package;
                _bySlot[package.Slot] = package;
                visible.Add(package);
            }
            foreach (var gone in _current.Keys.Where(n => !seen.Contains(n)).ToList())
            {
                _leaving.Add(_current[gone]);
                _current.Remove(gone);
            }
            return new StoreSnapshot(++_generation, visible, _log);
        }
    }

    /// <summary>
    /// Retires the packages the last scans replaced or lost; called once their snapshot is no
    /// longer the live one, so no new request finds them.
    /// </summary>
    public void RetireLeft()
    {
        StorePackage[] leaving;
        lock (_lock)
        {
            leaving = [.. _leaving];
            _leaving.Clear();
        }
        foreach (var package in leaving) package.Retire();
    }

    /// <summary>Gives back every package's image: their file system is unmounted and its request loop has ended.</summary>
    public void CloseAll()
    {
        foreach (var package in _bySlot.Values.ToList()) package.Close();
    }

    private void Closed(StorePackage package) => _bySlot.TryRemove(new KeyValuePair<uint, StorePackage>(package.Slot, package));

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
            // YAML's ~ leaves null where the class has defaults: `exchangeDirectories: ~`, `- ~`, `directory: ~`.
            foreach (var join in meta.ExchangeDirectories ?? [])
            {
                var directory = join?.Directory?.Trim('/') ?? "";
                // The directory is a path below out/ and the host a package name: nothing that climbs out.
                if (directory.Length == 0 || directory.Split('/').Any(c => c is "" or "." or "..")
                    || PackageFullName.ValidateComponent("host", join?.Host, allowDash: true) is not null)
                {
                    _log($"{metaPath}: ignoring exchange directory '{join?.Directory}' for host '{join?.Host}'");
                    continue;
                }
                joins.Add(new ExchangeDirectory { Directory = directory, Host = join!.Host });
            }
            return joins;
        }
        // Store content never takes the daemon down: whatever the parser throws on a hostile meta
        // (YamlDotNet raises more than YamlException for some inputs) loses only its joins.
        catch (Exception e) when (e is not OutOfMemoryException)
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
