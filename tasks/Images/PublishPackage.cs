using Distri.Packages;
using Distri.Tasks.Diagnostics;
using Microsoft.Build.Framework;

namespace Distri.Tasks.Images;

/// <summary>
/// Publishes a build's packed images into the local repository (<see cref="LocalRepository.Publish"/>),
/// each with its meta: the runtime closure (its dependencies plus theirs, read from their metas),
/// the same input digest for all. The main package's meta names its split parts and its debug
/// image; a split part's meta shows its files inside the main package's tree again (exchange
/// directories with the main package as host). Parts are published first, the main package last.
/// A full name the repository holds from other inputs is refused (DST4004): it is immutable.
/// </summary>
public sealed class PublishPackage : Microsoft.Build.Utilities.Task
{
    [Required] public string DefinitionFile { get; set; } = "";

    /// <summary>The main package's full name.</summary>
    [Required] public string FullName { get; set; } = "";

    /// <summary>PackImage's images: full names with metadata <c>ImagePath</c>, <c>Kind</c> (main, split, debug) and <c>Joins</c>.</summary>
    [Required] public ITaskItem[] Images { get; set; } = [];
    [Required] public string RepositoryDirectory { get; set; } = "";
    public string? SourceUrl { get; set; }
    public string? SourcePackage { get; set; }
    public string? InputDigest { get; set; }

    /// <summary>
    /// Runtime dependencies as full names: declared ones (metadata <c>Name</c>, for error locations)
    /// and discovered ones. Metadata <c>Part</c> says whose they are; without it, the main package's.
    /// A sibling image's closure is already folded in by the discovery; others' come from their metas.
    /// </summary>
    public ITaskItem[] RuntimeDependencies { get; set; } = [];

    /// <summary>The main package's exchange-dir declarations: Include = directory under out/, metadata Host.</summary>
    public ITaskItem[] ExchangeDirectories { get; set; } = [];

    /// <summary>A prebuilt toolchain's repository: dependency metas not in <see cref="RepositoryDirectory"/> are read there.</summary>
    public string? ToolchainRepositoryDirectory { get; set; }

    [Output] public string MetaPath { get; set; } = "";
    [Output] public string PublishedImagePath { get; set; } = "";

    public override bool Execute()
    {
        var main = PackageFullName.Parse(FullName);
        var images = Images.Select(i => (Full: PackageFullName.Parse(i.ItemSpec), Item: i)).ToList();
        var siblings = images.Select(i => i.Full.ToString()).ToHashSet(StringComparer.Ordinal);
        // The one multi-repository lookup (the distribution's own, then a prebuilt toolchain's).
        var repositories = new Distri.Tasks.BuildEnvironment.PackageClosure(
            string.IsNullOrEmpty(ToolchainRepositoryDirectory) ? [RepositoryDirectory] : [RepositoryDirectory, ToolchainRepositoryDirectory]);
        var closures = images.ToDictionary(i => i.Full, i => Closure(i.Full, i.Full == main, siblings, repositories));
        if (Log.HasLoggedErrors) return false;

        if (InputDigest is { Length: > 0 } digest)
        {
            foreach (var (full, _) in images)
            {
                if (LocalRepository.Conflict(RepositoryDirectory, full, digest) is { } published)
                    Log.LogError(Messages.FullNameTaken, DefinitionFile, "Revision", null, full, published, digest, main.Name);
            }
            if (Log.HasLoggedErrors) return false;
        }
        try
        {
            var metas = images.Select(i => (Meta: Meta(i.Full, i.Item, closures[i.Full], main, images), ImagePath: i.Item.GetMetadata("ImagePath")))
                .OrderBy(m => m.Meta.FullName == main).ToList();
            foreach (var skipped in LocalRepository.Publish(RepositoryDirectory, metas, move: false))
                Log.LogMessage(MessageImportance.Normal, "index: skipped {0}", skipped);
            foreach (var (full, _) in images)
                Log.LogMessage(MessageImportance.High, "{0} -> {1}", full, Path.Combine(RepositoryDirectory, StoreLayout.ImageFileName(full)));
            MetaPath = Path.Combine(RepositoryDirectory, StoreLayout.MetaFileName(main));
            PublishedImagePath = Path.Combine(RepositoryDirectory, StoreLayout.ImageFileName(main));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            Log.LogError(Messages.PublishFailed, DefinitionFile, FullName, e.Message);
        }
        return !Log.HasLoggedErrors;
    }

    /// <summary>One image's runtime closure: its dependencies, plus each one's recorded closure unless it is a sibling image.</summary>
    private SortedSet<string> Closure(PackageFullName image, bool isMain, HashSet<string> siblings, Distri.Tasks.BuildEnvironment.PackageClosure repositories)
    {
        var closure = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var dependency in RuntimeDependencies)
        {
            var part = dependency.GetMetadata("Part");
            if (part.Length == 0 ? !isMain : part != image.ToString()) continue;
            var full = dependency.ItemSpec;
            if (full == image.ToString()) continue;
            closure.Add(full);
            if (siblings.Contains(full)) continue;
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
                closure.UnionWith(Yaml.ReadMeta(depMeta).RuntimeDependencies);
            }
            catch (Exception e) when (e is InvalidDataException or IOException)
            {
                Log.LogError(Messages.BadDependencyMeta, DefinitionFile, full, e.Message);
            }
        }
        closure.Remove(image.ToString());
        return closure;
    }

    private PackageMeta Meta(PackageFullName full, ITaskItem image, SortedSet<string> closure, PackageFullName main,
        List<(PackageFullName Full, ITaskItem Item)> images)
    {
        var kind = image.GetMetadata("Kind");
        var imagePath = image.GetMetadata("ImagePath");
        return new PackageMeta
        {
            Name = full.Name,
            Arch = full.Arch,
            Version = full.Version,
            Revision = full.Revision,
            SourceUrl = SourceUrl,
            SourcePackage = string.IsNullOrWhiteSpace(SourcePackage) ? null : SourcePackage,
            RuntimeDependencies = [.. closure],
            ExchangeDirectories = kind switch
            {
                "main" => [.. ExchangeDirectories.Select(e => new ExchangeDirectory { Directory = e.ItemSpec, Host = e.GetMetadata("Host") })],
                "split" => [.. image.GetMetadata("Joins").Split(';', StringSplitOptions.RemoveEmptyEntries).Select(d => new ExchangeDirectory { Directory = d, Host = main.Name })],
                _ => [],
            },
            SplitPackages = kind == "main" ? [.. images.Where(i => i.Item.GetMetadata("Kind") == "split").Select(i => i.Full.ToString())] : [],
            DebugPackage = kind == "main" ? images.Where(i => i.Item.GetMetadata("Kind") == "debug").Select(i => i.Full.ToString()).FirstOrDefault() : null,
            InputDigest = InputDigest,
            ImageSha256 = LocalRepository.Sha256(imagePath),
            ImageSize = new FileInfo(imagePath).Length,
        };
    }
}
