using System.Security.Cryptography;
using Distri.Packages;
using Distri.Tasks.Diagnostics;
using Microsoft.Build.Framework;

namespace Distri.Tasks.Images;

/// <summary>
/// Publishes a packed image into the local repository: writes <c>&lt;full&gt;.meta.yaml</c> (with the
/// runtime closure read from the dependencies' metas), then the image, each atomically (images
/// last: a reader that sees an image also sees its meta), then regenerates <c>index.yaml</c> under a
/// lock so packages built in parallel never lose each other's entries.
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
        foreach (var dependency in RuntimeDependencies)
        {
            var full = dependency.ItemSpec;
            if (full == FullName) continue;
            var depMeta = Path.Combine(RepositoryDirectory, full + StoreLayout.MetaExtension);
            if (!File.Exists(depMeta) && !string.IsNullOrEmpty(ToolchainRepositoryDirectory)
                && Path.Combine(ToolchainRepositoryDirectory, full + StoreLayout.MetaExtension) is var toolchainMeta && File.Exists(toolchainMeta))
                depMeta = toolchainMeta;
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

        try
        {
            var image = new FileInfo(ImagePath);
            string sha256;
            using (var stream = image.OpenRead()) sha256 = Convert.ToHexStringLower(SHA256.HashData(stream));
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
                ImageSha256 = sha256,
                ImageSize = image.Length,
            };
            MetaPath = Path.Combine(RepositoryDirectory, StoreLayout.MetaFileName(name));
            PublishedImagePath = Path.Combine(RepositoryDirectory, StoreLayout.ImageFileName(name));
            Yaml.WriteAtomically(MetaPath, Yaml.Serialize(meta));
            var temp = Path.Combine(RepositoryDirectory, $".{Path.GetFileName(PublishedImagePath)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
            File.Copy(ImagePath, temp);
            File.Move(temp, PublishedImagePath, overwrite: true);

            using (AcquireIndexLock())
            {
                var result = RepositoryIndexBuilder.Write(RepositoryDirectory);
                foreach (var skipped in result.Skipped)
                    Log.LogMessage(MessageImportance.Normal, "index: skipped {0}", skipped);
            }
            Log.LogMessage(MessageImportance.High, "{0} -> {1}", FullName, PublishedImagePath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            Log.LogError(Messages.PublishFailed, DefinitionFile, FullName, e.Message);
        }
        return !Log.HasLoggedErrors;
    }

    private FileStream AcquireIndexLock()
    {
        var path = Path.Combine(RepositoryDirectory, ".index.lock");
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (attempt < 600)
            {
                Thread.Sleep(100);
            }
        }
    }
}
