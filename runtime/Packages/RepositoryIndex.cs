namespace Distri.Packages;

/// <summary>
/// A repository's index (<c>pkg/index.yaml</c>): one entry per package with what a client needs to
/// plan and verify an install in a single request. Derived data: rebuilt from the metas at will.
/// </summary>
public sealed class RepositoryIndex : IYamlDocument
{
    public const string FileName = "index.yaml";

    /// <summary>Far above any real index (about 400 bytes a package); checked before reading or while downloading.</summary>
    public const int MaxFileBytes = 256 << 20;

    public List<RepositoryIndexEntry> Packages { get; set; } = [];

    string? IYamlDocument.FindNull() =>
        Yaml.FirstNull(("packages", Packages))
        ?? Yaml.FirstNullItem("packages", Packages)
        ?? Packages.Select((p, i) => Yaml.FirstNull(($"packages[{i}].fullName", p.FullName), ($"packages[{i}].name", p.Name), ($"packages[{i}].arch", p.Arch),
                ($"packages[{i}].version", p.Version), ($"packages[{i}].imageSha256", p.ImageSha256), ($"packages[{i}].metaSha256", p.MetaSha256),
                ($"packages[{i}].runtimeDependencies", p.RuntimeDependencies)) ?? Yaml.FirstNullItem($"packages[{i}].runtimeDependencies", p.RuntimeDependencies))
            .FirstOrDefault(key => key is not null);
}

public sealed class RepositoryIndexEntry
{
    /// <summary>Full name, e.g. zsh-amd64-5.9-1.</summary>
    public string FullName { get; set; } = "";
    public string Name { get; set; } = "";
    public string Arch { get; set; } = PackageFullName.DefaultArch;
    public string Version { get; set; } = "";
    public int Revision { get; set; }
    public long ImageSize { get; set; }
    public string ImageSha256 { get; set; } = "";
    public long MetaSize { get; set; }
    public string MetaSha256 { get; set; } = "";
    /// <summary>Runtime closure, as in the meta.</summary>
    public List<string> RuntimeDependencies { get; set; } = [];
}
