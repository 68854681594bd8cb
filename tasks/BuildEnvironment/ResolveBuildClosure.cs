using Distri.Packages;
using Distri.Tasks.Diagnostics;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace Distri.Tasks.BuildEnvironment;

/// <summary>
/// The build closure: the declared build dependencies with their split parts (headers, static
/// libraries: a build sees all of a package), plus each one's recorded runtime closure.
/// Exactly these packages appear in the build's /ro. Each output item carries the image's
/// sha256, so the input digest changes when a dependency is rebuilt even at the same full name.
/// </summary>
public sealed class ResolveBuildClosure : Microsoft.Build.Utilities.Task
{
    /// <summary>Full names of the declared build dependencies (from the referenced projects).</summary>
    public ITaskItem[] Dependencies { get; set; } = [];

    /// <summary>With <see cref="OnlyBuildDependencies"/>: the names of the build-time dependencies.</summary>
    public ITaskItem[] BuildDependencyNames { get; set; } = [];

    /// <summary>Keep only dependencies whose <c>Name</c> metadata is in <see cref="BuildDependencyNames"/>: runtime-only ones stay out of the view.</summary>
    public bool OnlyBuildDependencies { get; set; }

    /// <summary>The repository's <c>pkg/</c> directory holding the dependencies' images and metas.</summary>
    [Required]
    public string RepositoryDirectory { get; set; } = "";

    /// <summary>A prebuilt toolchain's repository, searched after <see cref="RepositoryDirectory"/>.</summary>
    public string? ToolchainRepositoryDirectory { get; set; }

    /// <summary>For error locations: the .distpkg being built.</summary>
    [Required]
    public string ProjectFile { get; set; } = "";

    /// <summary>Full names, sorted by name with the newest revision first; metadata <c>PackageName</c>, <c>ImageSha256</c>.</summary>
    [Output]
    public ITaskItem[] Closure { get; private set; } = [];

    public override bool Execute()
    {
        var closure = PackageClosure.For(RepositoryDirectory, ToolchainRepositoryDirectory);
        var declared = new List<PackageFullName>();
        var names = BuildDependencyNames.Select(n => n.ItemSpec).ToHashSet(StringComparer.Ordinal);
        foreach (var item in Dependencies)
        {
            if (OnlyBuildDependencies && !names.Contains(item.GetMetadata("Name"))) continue;
            if (PackageFullName.TryParse(item.ItemSpec, out var full, out var error)) declared.Add(full);
            else Log.LogDependencyError(Messages.InvalidName, ProjectFile, item.GetMetadata("Name"), $"dependency {error}");
        }
        var packages = closure.Close(closure.WithSplitPackages(declared, requireImage: true), requireImage: true);
        foreach (var problem in closure.Problems)
            Log.LogDependencyError(problem.Message, ProjectFile, problem.Package.Name, problem.Args);
        Closure = [.. PackageClosure.Order(packages).Select(full =>
        {
            var item = new TaskItem(full.ToString());
            item.SetMetadata("PackageName", full.Name);
            item.SetMetadata("ImageSha256", closure.Meta(full)?.ImageSha256 ?? "");
            item.SetMetadata("Repository", closure.RepositoryOf(full));
            return (ITaskItem)item;
        })];
        return !Log.HasLoggedErrors;
    }
}
