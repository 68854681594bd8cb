namespace Distri.Packages;

/// <summary>
/// The metadata file beside each image (<c>&lt;full&gt;.meta.yaml</c>): what the package is, what it
/// needs at run time (already the transitive closure, so installing needs no recursion), and how
/// it joins exchange directories. Written by the build, read by the store, the installer and /ro.
/// </summary>
public sealed class PackageMeta : IYamlDocument
{
    /// <summary>The most a meta may hold, checked before reading it (real ones are well under 10 KiB).</summary>
    public const int MaxFileBytes = 1 << 20;

    public string Name { get; set; } = "";
    public string Arch { get; set; } = PackageFullName.DefaultArch;
    public string Version { get; set; } = "";
    public int Revision { get; set; }

    /// <summary>Where the source came from: the upstream URL, and the Debian source package that carries it.</summary>
    public string? SourceUrl { get; set; }
    public string? SourcePackage { get; set; }

    /// <summary>Runtime dependencies as full names: the transitive closure, sorted.</summary>
    public List<string> RuntimeDependencies { get; set; } = [];

    /// <summary>Libraries the package needs from the host base system (e.g. libc.so.6), not packages yet.</summary>
    public List<string> SystemRequirements { get; set; } = [];

    /// <summary>Per-package exchange directories this package joins.</summary>
    public List<ExchangeDirectory> ExchangeDirectories { get; set; } = [];

    /// <summary>
    /// The split parts carved out of this package's install tree, each its own image and meta
    /// (<c>ncurses-dev-amd64-6.4-1</c>), as full names: a build that depends on this package sees them too.
    /// </summary>
    public List<string> SplitPackages { get; set; } = [];

    /// <summary>The image holding the debug info stripped from this package's ELF files (<c>&lt;name&gt;-debug-…</c>), when there was any.</summary>
    public string? DebugPackage { get; set; }

    /// <summary>Digest of everything the build consumed (definition, patches, source hash, dependency full names).</summary>
    public string? InputDigest { get; set; }

    /// <summary>sha256 (lower-case hex) and size in bytes of the image.</summary>
    public string ImageSha256 { get; set; } = "";
    public long ImageSize { get; set; }

    [YamlDotNet.Serialization.YamlIgnore]
    public PackageFullName FullName => new(Name, Arch, Version, Revision);

    /// <summary>The other images the same build published: the split parts, then the debug image.</summary>
    [YamlDotNet.Serialization.YamlIgnore]
    public IEnumerable<string> Parts => DebugPackage is null ? SplitPackages : SplitPackages.Append(DebugPackage);

    string? IYamlDocument.FindNull() =>
        Yaml.FirstNull(("name", Name), ("arch", Arch), ("version", Version), ("imageSha256", ImageSha256),
            ("runtimeDependencies", RuntimeDependencies), ("systemRequirements", SystemRequirements), ("exchangeDirectories", ExchangeDirectories),
            ("splitPackages", SplitPackages))
        ?? Yaml.FirstNullItem("runtimeDependencies", RuntimeDependencies)
        ?? Yaml.FirstNullItem("splitPackages", SplitPackages)
        ?? Yaml.FirstNullItem("systemRequirements", SystemRequirements)
        ?? Yaml.FirstNullItem("exchangeDirectories", ExchangeDirectories)
        ?? ExchangeDirectories.Select((e, i) => Yaml.FirstNull(($"exchangeDirectories[{i}].directory", e.Directory), ($"exchangeDirectories[{i}].host", e.Host)))
            .FirstOrDefault(key => key is not null);
}

/// <summary>
/// "My <c>out/&lt;Directory&gt;</c> also appears inside package <c>Host</c>'s <c>out/&lt;Directory&gt;</c>":
/// a plugin adding modules to its host's module directory. <c>Host</c> is a package name (any
/// installed revision of it, the newest winning), <c>Directory</c> is relative to <c>out/</c>.
/// </summary>
public sealed class ExchangeDirectory
{
    public string Directory { get; set; } = "";
    public string Host { get; set; } = "";
}
