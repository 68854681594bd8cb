namespace Distri.Packages;

/// <summary>
/// A repository's index (<c>pkg/index.yaml</c>): one entry per package with what a client needs to
/// plan and verify an install in a single request. Derived data: rebuilt from the metas at will.
/// </summary>
public sealed class RepositoryIndex
{
    public const string FileName = "index.yaml";

    public List<RepositoryIndexEntry> Packages { get; set; } = [];
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
