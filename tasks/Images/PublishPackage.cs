using Distri.Packages;
using Distri.Tasks.BuildEnvironment;
using Distri.Tasks.Diagnostics;
using Microsoft.Build.Framework;

namespace Distri.Tasks.Images;

/// <summary>
/// Publishes a packed image into the local repository: <c>&lt;full&gt;.meta.yaml</c> (with the runtime
/// closure: the direct runtime dependencies closed over their metas by <see cref="PackageClosure"/>) and the image (<see cref="LocalRepository.Publish"/>).
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
        var direct = new List<PackageFullName>();
        foreach (var dependency in RuntimeDependencies)
        {
            if (!PackageFullName.TryParse(dependency.ItemSpec, out var full, out var error))
                Log.LogDependencyError(Messages.InvalidName, DefinitionFile, dependency.Meta("Name") ?? dependency.ItemSpec, $"runtime dependency {error}");
            else if (full != name)
                direct.Add(full);
        }
        var repositories = PackageClosure.For(RepositoryDirectory, ToolchainRepositoryDirectory);
        var closure = repositories.Close(direct, requireImage: false);
        foreach (var problem in repositories.Problems)
            Log.LogDependencyError(problem.Message, DefinitionFile, problem.Package.Name, problem.Args);
        closure.Remove(name);
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
                RuntimeDependencies = [.. closure.Select(c => c.ToString())],
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
