using Distri.Packages;
using Distri.Tasks.Images;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace Distri.Tasks.BuildEnvironment;

/// <summary>
/// After install, before pack: the runtime closure of each image the build publishes (the main
/// package and its split parts). Direct dependencies are discovered in each image's installed files
/// (<see cref="RuntimeDependencyScanner"/>), a library resolving to the image that holds it, plus
/// the declared ones (the main package's) and a split's own <c>RuntimeDependencies</c> (names of
/// sibling images); each one's own recorded closure is added from its meta, a sibling's from this
/// computation, so the result is transitive and installing needs no recursion.
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

    /// <summary>Declared runtime dependencies of the main package: full names, or package names (the newest in the repository).</summary>
    public ITaskItem[] DeclaredRuntimeDependencies { get; set; } = [];

    public string? ProjectFile { get; set; }

    /// <summary>Each image's transitive closure, sorted full names (the metas' runtimeDependencies), with metadata <c>Part</c>: whose.</summary>
    [Output]
    public ITaskItem[] RuntimeDependencies { get; private set; } = [];

    public override bool Execute()
    {
        var self = PackageFullName.Parse(Self);
        var layout = SplitLayout.Parse(Self, Splits.Select(s => (s.ItemSpec, s.GetMetadata("Paths"))));
        var images = layout.Splits.Prepend(self).ToList();
        var byName = images.ToDictionary(i => i.Name, StringComparer.Ordinal);
        var view = string.IsNullOrEmpty(ViewDirectory) || !Directory.Exists(ViewDirectory) ? null : ViewDirectory;
        var repository = new PackageClosure(string.IsNullOrEmpty(ToolchainRepositoryDirectory) ? [RepositoryDirectory] : [RepositoryDirectory, ToolchainRepositoryDirectory]);
        var joins = view is null ? [] : Joins(view, repository, images);

        var direct = new Dictionary<PackageFullName, HashSet<PackageFullName>>();
        foreach (var image in images)
        {
            var scanner = new RuntimeDependencyScanner(ImageRoot, self, view) { Part = image, OwnerOf = layout.OwnerOf, Joins = joins };
            scanner.ScanAll();
            foreach (var line in scanner.Trace) Log.LogMessage(MessageImportance.Low, "{0}", line);
            foreach (var missing in scanner.Unresolved)
                BuildEnvironmentErrors.Warn(Log, BuildEnvironmentErrors.UnresolvedLibrary, ProjectFile,
                    $"{image}: {missing} is provided by no package in the build closure; declare the dependency");
            direct[image] = [.. scanner.Packages];
        }
        foreach (var declared in DeclaredRuntimeDependencies)
        {
            var text = declared.ItemSpec;
            // A bare name means the newest revision in the repository.
            if ((PackageFullName.TryParse(text, out var parsed) ? parsed : repository.Newest(text)) is { } full)
                direct[self].Add(full);
            else
                BuildEnvironmentErrors.Log(Log, BuildEnvironmentErrors.UnbuiltDependency, ProjectFile, $"declared runtime dependency '{text}' is not built (no meta in {RepositoryDirectory})");
        }
        foreach (var split in Splits)
        {
            // ValidatePackage checked that each name is a sibling's.
            foreach (var name in split.GetMetadata("RuntimeDependencies").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                if (byName.TryGetValue(name, out var sibling)) direct[PackageFullName.Parse(split.ItemSpec)].Add(sibling);
        }

        // Outside the package, closures come from the metas; between siblings, from each other.
        var external = images.ToDictionary(i => i, i => repository.Close(direct[i].Where(d => !images.Contains(d)), requireImage: false));
        foreach (var (code, file, message) in repository.Problems)
            BuildEnvironmentErrors.Log(Log, code, file ?? ProjectFile, message);
        var outputs = new List<ITaskItem>();
        foreach (var image in images)
        {
            var closure = new SortedSet<PackageFullName>();
            foreach (var reached in Reachable(image, direct, images))
            {
                closure.Add(reached);
                closure.UnionWith(external[reached]);
            }
            closure.Remove(image);
            outputs.AddRange(closure.Select(c =>
            {
                var item = new TaskItem(c.ToString());
                item.SetMetadata("Part", image.ToString());
                return (ITaskItem)item;
            }));
            Log.LogMessage(MessageImportance.Normal, "{0} runtime closure: {1}", image, closure.Count == 0 ? "(none)" : string.Join(", ", closure));
        }
        RuntimeDependencies = [.. outputs];
        return !Log.HasLoggedErrors;
    }

    /// <summary>The image and every sibling it reaches through sibling dependencies.</summary>
    private static HashSet<PackageFullName> Reachable(PackageFullName image, Dictionary<PackageFullName, HashSet<PackageFullName>> direct, List<PackageFullName> images)
    {
        var reached = new HashSet<PackageFullName> { image };
        var pending = new Stack<PackageFullName>([image]);
        while (pending.TryPop(out var next))
            foreach (var sibling in direct[next].Where(images.Contains))
                if (reached.Add(sibling)) pending.Push(sibling);
        return reached;
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
                return null; // the closure reports it
            }
        }
    }
}
