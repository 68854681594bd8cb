using Distri.Packages;
using Distri.Tasks.Diagnostics;
using Distri.Tasks.Images;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace Distri.Tasks.BuildEnvironment;

/// <summary>
/// After install, before pack: the direct runtime dependencies of each image the build publishes
/// (the package and its split parts), discovered in that image's installed files
/// (<see cref="RuntimeDependencyScanner"/>, a library resolving to the image that holds it), plus
/// the declared ones (the package's) and a split's own <c>RuntimeDependencies</c> (names of sibling
/// images). Publishing closes them over their metas (<see cref="PackageClosure"/>), so the meta's
/// list is transitive and installing needs no recursion.
/// </summary>
public sealed class DiscoverRuntimeDependencies : Microsoft.Build.Utilities.Task
{
    /// <summary>The image root: what <c>/ro/&lt;Self&gt;</c> showed during the build (holds <c>out/…</c>).</summary>
    [Required]
    public string ImageRoot { get; set; } = "";

    [Required]
    public string Self { get; set; } = "";

    /// <summary>Split parts: full names with metadata <c>Paths</c> and <c>RuntimeDependencies</c> (sibling names), in definition order.</summary>
    public ITaskItem[] Splits { get; set; } = [];

    /// <summary>The build's /ro view (mount point); empty when the package has no build closure.</summary>
    public string? ViewDirectory { get; set; }

    [Required]
    public string RepositoryDirectory { get; set; } = "";

    /// <summary>A prebuilt toolchain's repository, searched after <see cref="RepositoryDirectory"/>.</summary>
    public string? ToolchainRepositoryDirectory { get; set; }

    /// <summary>Declared runtime dependencies of the package: full names, or package names (the newest in the repository).</summary>
    public ITaskItem[] DeclaredRuntimeDependencies { get; set; } = [];

    [Required]
    public string ProjectFile { get; set; } = "";

    /// <summary>Each image's direct runtime dependencies, sorted full names (never itself), with metadata <c>Part</c>: whose.</summary>
    [Output]
    public ITaskItem[] RuntimeDependencies { get; private set; } = [];


    public override bool Execute()
    {
        var self = PackageFullName.Parse(Self);
        var layout = SplitLayout.Parse(Self, Splits.Select(s => (s.ItemSpec, s.GetMetadata("Paths"))));
        var images = layout.Splits.Prepend(self).ToList();
        var view = string.IsNullOrEmpty(ViewDirectory) || !Directory.Exists(ViewDirectory) ? null : ViewDirectory;
        var repository = PackageClosure.For(RepositoryDirectory, ToolchainRepositoryDirectory);
        var joins = view is null ? [] : Joins(view, repository, images);

        var direct = new Dictionary<PackageFullName, HashSet<PackageFullName>>();
        foreach (var image in images)
        {
            var scanner = new RuntimeDependencyScanner(ImageRoot, self, view) { Part = image, OwnerOf = layout.OwnerOf, Joins = joins };
            scanner.ScanAll();
            foreach (var line in scanner.Trace) Log.LogMessage(MessageImportance.Low, "{0}", line);
            foreach (var missing in scanner.Unresolved)
                Log.LogWarning(Messages.UnresolvedRuntimeDependency, ProjectFile, image, missing);
            direct[image] = [.. scanner.Packages];
        }
        foreach (var declared in DeclaredRuntimeDependencies)
        {
            var text = declared.ItemSpec;
            // A bare name means the newest revision in the repository.
            if ((PackageFullName.TryParse(text, out var parsed) ? parsed : repository.Newest(text)) is { } full)
                direct[self].Add(full);
            else
                Log.LogDependencyError(Messages.UnbuiltDependency, ProjectFile, text, text, $"no meta in {RepositoryDirectory}");
        }
        var byName = images.ToDictionary(i => i.Name, StringComparer.Ordinal);
        foreach (var split in Splits)
        {
            // ValidatePackage checked that each name is a sibling's.
            foreach (var name in split.GetMetadata("RuntimeDependencies").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                if (byName.TryGetValue(name, out var sibling)) direct[PackageFullName.Parse(split.ItemSpec)].Add(sibling);
        }

        var outputs = new List<ITaskItem>();
        foreach (var image in images)
        {
            direct[image].Remove(image);
            var sorted = direct[image].Order().ToList();
            outputs.AddRange(sorted.Select(d =>
            {
                var item = new TaskItem(d.ToString());
                item.SetMetadata("Part", image.ToString());
                return (ITaskItem)item;
            }));
            Log.LogMessage(MessageImportance.Normal, "{0} runtime dependencies: {1}", image, sorted.Count == 0 ? "(none)" : string.Join(", ", sorted));
        }
        RuntimeDependencies = [.. outputs];
        return !Log.HasLoggedErrors;
    }

    /// <summary>
    /// The exchange directories by which the view's split parts show their files inside their
    /// package's directory (not this build's own images; not plugins', whose host's names win).
    /// </summary>
    private static List<(PackageFullName, string, string)> Joins(string view, PackageClosure repository, List<PackageFullName> images)
    {
        var shown = Directory.EnumerateDirectories(view).Select(d => PackageFullName.TryParse(Path.GetFileName(d), out var full) ? full : (PackageFullName?)null)
            .OfType<PackageFullName>().Where(full => !images.Contains(full)).ToHashSet();
        var joins = new List<(PackageFullName, string, string)>();
        foreach (var package in shown)
        {
            foreach (var part in Meta(package)?.SplitPackages ?? [])
            {
                if (PackageFullName.TryParse(part, out var full) && shown.Contains(full) && Meta(full) is { } meta)
                    joins.AddRange(meta.ExchangeDirectories.Where(e => e.Host == package.Name).Select(e => (full, e.Directory.Trim('/'), e.Host)));
            }
        }
        return joins;

        PackageMeta? Meta(PackageFullName full)
        {
            try
            {
                var path = Path.Combine(repository.RepositoryOf(full), StoreLayout.MetaFileName(full));
                return File.Exists(path) ? Yaml.ReadMeta(path) : null;
            }
            catch (Exception e) when (e is InvalidDataException or IOException)
            {
                return null; // the build closure reports it
            }
        }
    }
}
