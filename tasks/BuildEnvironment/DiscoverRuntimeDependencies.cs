using Distri.Packages;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace Distri.Tasks.BuildEnvironment;

/// <summary>
/// After install, before pack: the package's runtime closure. Direct dependencies are discovered
/// in the installed files (<see cref="RuntimeDependencyScanner"/>) plus the declared ones; each
/// one's own recorded closure is added from its meta, so the result is transitive and installing
/// needs no recursion. Host libraries become system requirements.
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

    public string? ProjectFile { get; set; }

    /// <summary>The transitive runtime closure, sorted full names (the meta's runtimeDependencies).</summary>
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
            BuildEnvironmentErrors.Warn(Log, BuildEnvironmentErrors.UnresolvedLibrary, ProjectFile,
                $"{self}: {missing} is provided by no package in the build closure; declare the dependency");

        var repository = new PackageClosure(string.IsNullOrEmpty(ToolchainRepositoryDirectory) ? [RepositoryDirectory] : [RepositoryDirectory, ToolchainRepositoryDirectory]);
        var direct = new HashSet<PackageFullName>(scanner.Packages);
        foreach (var declared in DeclaredRuntimeDependencies)
        {
            var text = declared.ItemSpec;
            // A bare name means the newest revision in the repository.
            if ((PackageFullName.TryParse(text, out var parsed) ? parsed : repository.Newest(text)) is { } full)
                direct.Add(full);
            else
                BuildEnvironmentErrors.Log(Log, BuildEnvironmentErrors.UnbuiltDependency, ProjectFile, $"declared runtime dependency '{text}' is not built (no meta in {RepositoryDirectory})");
        }
        var closure = repository.Close(direct, requireImage: false);
        foreach (var (code, file, message) in repository.Problems)
            BuildEnvironmentErrors.Log(Log, code, file ?? ProjectFile, message);
        closure.Remove(self);
        RuntimeDependencies = [.. closure.Select(c => (ITaskItem)new TaskItem(c.ToString()))];
        Log.LogMessage(MessageImportance.Normal, "{0} runtime closure: {1}", self, closure.Count == 0 ? "(none)" : string.Join(", ", closure));
        return !Log.HasLoggedErrors;
    }
}
