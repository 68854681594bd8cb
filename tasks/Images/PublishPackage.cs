using Distri.Packages;
using Distri.Tasks.BuildEnvironment;
using Distri.Tasks.Diagnostics;
using Microsoft.Build.Framework;

namespace Distri.Tasks.Images;

/// <summary>
/// Publishes a build's packed images into the local repository (<see cref="LocalRepository.Publish"/>),
/// each with its meta: its runtime closure (its direct dependencies closed over their metas by
/// <see cref="PackageClosure"/>; a sibling image's closure over the siblings' own direct ones) and
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
    /// Direct runtime dependencies as full names: declared ones (metadata <c>Name</c>, for error
    /// locations) and discovered ones. Metadata <c>Part</c> says whose they are; without it, the
    /// main package's. Their closures come from their metas in the repository.
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
        Directory.CreateDirectory(RepositoryDirectory);
        var images = Images.Select(i => (Full: PackageFullName.Parse(i.ItemSpec), Item: i)).ToList();
        var closures = Closures(main, images.Select(i => i.Full).ToList());
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

    /// <summary>
    /// Each image's runtime closure: what it and every sibling it reaches through sibling
    /// dependencies need directly, closed over the metas, plus those siblings.
    /// </summary>
    private Dictionary<PackageFullName, SortedSet<PackageFullName>> Closures(PackageFullName main, List<PackageFullName> images)
    {
        var direct = images.ToDictionary(i => i, _ => new HashSet<PackageFullName>());
        foreach (var dependency in RuntimeDependencies)
        {
            var part = dependency.GetMetadata("Part");
            var owner = part.Length == 0 ? main : images.FirstOrDefault(i => i.ToString() == part);
            if (!PackageFullName.TryParse(dependency.ItemSpec, out var full, out var error))
                Log.LogDependencyError(Messages.InvalidName, DefinitionFile, dependency.Meta("Name") ?? dependency.ItemSpec, $"runtime dependency {error}");
            else if (direct.TryGetValue(owner, out var set))
                set.Add(full);
        }
        var repositories = PackageClosure.For(RepositoryDirectory, ToolchainRepositoryDirectory);
        var external = images.ToDictionary(i => i, i => repositories.Close(direct[i].Where(d => !direct.ContainsKey(d)), requireImage: false));
        foreach (var problem in repositories.Problems)
            Log.LogDependencyError(problem.Message, DefinitionFile, problem.Package.Name, problem.Args);

        var closures = new Dictionary<PackageFullName, SortedSet<PackageFullName>>();
        foreach (var image in images)
        {
            var reached = new HashSet<PackageFullName> { image };
            var pending = new Stack<PackageFullName>([image]);
            while (pending.TryPop(out var next))
                foreach (var sibling in direct[next].Where(direct.ContainsKey))
                    if (reached.Add(sibling)) pending.Push(sibling);
            var closure = new SortedSet<PackageFullName>(reached);
            foreach (var sibling in reached) closure.UnionWith(external[sibling]);
            closure.Remove(image);
            closures[image] = closure;
        }
        return closures;
    }

    private PackageMeta Meta(PackageFullName full, ITaskItem image, SortedSet<PackageFullName> closure, PackageFullName main,
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
            RuntimeDependencies = [.. closure.Select(c => c.ToString())],
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
