using Distri.Packages;
using Distri.Tasks.Diagnostics;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace Distri.Tasks.BuildEnvironment;

/// <summary>
/// After install, before pack: the package's direct runtime dependencies, discovered in the
/// installed files (<see cref="RuntimeDependencyScanner"/>) plus the declared ones. Publishing
/// closes them over their metas (<see cref="PackageClosure"/>), so the meta's list is transitive
/// and installing needs no recursion.
/// </summary>
public sealed class DiscoverRuntimeDependencies : Microsoft.Build.Utilities.Task
{
    /// <summary>The image root: what <c>/ro/&lt;Self&gt;</c> showed during the build (holds <c>out/…</c>).</summary>
    [Required]
    public string ImageRoot { get; set; } = "";

    [Required]
    public string Self { get; set; } = "";

    /// <summary>The build's /ro view (mount point); empty when the package has no build closure.</summary>
    public string? ViewDirectory { get; set; }

    [Required]
    public string RepositoryDirectory { get; set; } = "";

    /// <summary>A prebuilt toolchain's repository, searched after <see cref="RepositoryDirectory"/>.</summary>
    public string? ToolchainRepositoryDirectory { get; set; }

    /// <summary>Declared runtime dependencies: full names, or package names (the newest in the repository).</summary>
    public ITaskItem[] DeclaredRuntimeDependencies { get; set; } = [];

    [Required]
    public string ProjectFile { get; set; } = "";

    /// <summary>The direct runtime dependencies, sorted full names (never self).</summary>
    [Output]
    public ITaskItem[] RuntimeDependencies { get; private set; } = [];


    public override bool Execute()
    {
        var self = PackageFullName.Parse(Self);
        var view = string.IsNullOrEmpty(ViewDirectory) || !Directory.Exists(ViewDirectory) ? null : ViewDirectory;
        var scanner = new RuntimeDependencyScanner(ImageRoot, self, view);
        scanner.ScanAll();
        foreach (var line in scanner.Trace) Log.LogMessage(MessageImportance.Low, "{0}", line);
        foreach (var missing in scanner.Unresolved)
            Log.LogWarning(Messages.UnresolvedRuntimeDependency, ProjectFile, self, missing);

        var repository = PackageClosure.For(RepositoryDirectory, ToolchainRepositoryDirectory);
        var direct = new HashSet<PackageFullName>(scanner.Packages);
        foreach (var declared in DeclaredRuntimeDependencies)
        {
            var text = declared.ItemSpec;
            // A bare name means the newest revision in the repository.
            if ((PackageFullName.TryParse(text, out var parsed) ? parsed : repository.Newest(text)) is { } full)
                direct.Add(full);
            else
                Log.LogDependencyError(Messages.UnbuiltDependency, ProjectFile, text, text, $"no meta in {RepositoryDirectory}");
        }
        direct.Remove(self);
        var sorted = direct.Order().ToList();
        RuntimeDependencies = [.. sorted.Select(c => (ITaskItem)new TaskItem(c.ToString()))];
        Log.LogMessage(MessageImportance.Normal, "{0} runtime dependencies: {1}", self, sorted.Count == 0 ? "(none)" : string.Join(", ", sorted));
        return !Log.HasLoggedErrors;
    }
}
