using Distri.Packages;
using Distri.Tasks.Diagnostics;
using Microsoft.Build.Framework;

namespace Distri.Tasks.Images;

/// <summary>
/// Publishes a packed image into the local repository: <c>&lt;full&gt;.meta.yaml</c> (with the runtime
/// closure read from the dependencies' metas) and the image (<see cref="LocalRepository.Publish"/>).
/// A full name the repository holds from other inputs is refused (DST4004): it is immutable.
/// </summary>
public sealed class PublishPackage : Microsoft.Build.Utilities.Task
{
    [Required] public string DefinitionFile { get; set; } = "";
    [Required] public string FullName { get; set; } = "";
    [Required] public string ImagePath { get; set; } = "";
    [Required] public string RepositoryDirectory { get; set; } = "";
    public string? SourceUrl { get; set; }
    public string? SourcePackage { get; set; }
    public string? InputDigest { get; set; }

    /// <summary>
    /// Direct runtime dependencies as full names: declared ones (metadata <c>Name</c>, for error
    /// locations) and discovered ones. Their closures come from their metas in the repository.
    /// </summary>
    public ITaskItem[] RuntimeDependencies { get; set; } = [];

    /// <summary>Exchange-dir declarations: Include = directory under out/, metadata Host.</summary>
    public ITaskItem[] ExchangeDirectories { get; set; } = [];

    /// <summary>A prebuilt toolchain's repository: dependency metas not in <see cref="RepositoryDirectory"/> are read there.</summary>
    public string? ToolchainRepositoryDirectory { get; set; }

    [Output] public string MetaPath { get; set; } = "";
    [Output] public string PublishedImagePath { get; set; } = "";

    public override bool Execute()
    {
        var name = PackageFullName.Parse(FullName);
        Directory.CreateDirectory(RepositoryDirectory);
        var closure = new SortedSet<string>(StringComparer.Ordinal);
        // The one multi-repository lookup (the distribution's own, then a prebuilt toolchain's).
        var repositories = new Distri.Tasks.BuildEnvironment.PackageClosure(
            string.IsNullOrEmpty(ToolchainRepositoryDirectory) ? [RepositoryDirectory] : [RepositoryDirectory, ToolchainRepositoryDirectory]);
        foreach (var dependency in RuntimeDependencies)
        {
            var full = dependency.ItemSpec;
            if (full == FullName) continue;
            var depMeta = PackageFullName.TryParse(full, out var parsed)
                ? Path.Combine(repositories.RepositoryOf(parsed), StoreLayout.MetaFileName(parsed))
                : Path.Combine(RepositoryDirectory, full + StoreLayout.MetaExtension);
            if (!File.Exists(depMeta))
            {
                Log.LogError(Messages.UnbuiltDependency, DefinitionFile, "RuntimeDependency", dependency.Meta("Name"), full, depMeta);
                continue;
            }
            try
            {
                closure.Add(full);
                closure.UnionWith(Yaml.ReadMeta(depMeta).RuntimeDependencies);
            }
            catch (Exception e) when (e is InvalidDataException or IOException)
            {
                Log.LogError(Messages.BadDependencyMeta, DefinitionFile, full, e.Message);
            }
        }
        closure.Remove(FullName);
        if (Log.HasLoggedErrors) return false;

        if (InputDigest is { Length: > 0 } digest && LocalRepository.Conflict(RepositoryDirectory, name, digest) is { } published)
        {
            Log.LogError(Messages.FullNameTaken, DefinitionFile, "Revision", null, FullName, published, digest, name.Name);
            return false;
        }
        try
        {
            var meta = new PackageMeta
            {
                Name = name.Name,
                Arch = name.Arch,
                Version = name.Version,
                Revision = name.Revision,
                SourceUrl = SourceUrl,
                SourcePackage = string.IsNullOrWhiteSpace(SourcePackage) ? null : SourcePackage,
                RuntimeDependencies = [.. closure],
                ExchangeDirectories = [.. ExchangeDirectories.Select(e => new ExchangeDirectory { Directory = e.ItemSpec, Host = e.GetMetadata("Host") })],
                InputDigest = InputDigest,
                ImageSha256 = LocalRepository.Sha256(ImagePath),
                ImageSize = new FileInfo(ImagePath).Length,
            };
            foreach (var skipped in LocalRepository.Publish(RepositoryDirectory, meta, ImagePath, move: false))
                Log.LogMessage(MessageImportance.Normal, "index: skipped {0}", skipped);
            MetaPath = Path.Combine(RepositoryDirectory, StoreLayout.MetaFileName(name));
            PublishedImagePath = Path.Combine(RepositoryDirectory, StoreLayout.ImageFileName(name));
            Log.LogMessage(MessageImportance.High, "{0} -> {1}", FullName, PublishedImagePath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            Log.LogError(Messages.PublishFailed, DefinitionFile, FullName, e.Message);
        }
        return !Log.HasLoggedErrors;
    }
}
