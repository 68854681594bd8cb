using Distri.Packages;
using Distri.Tasks.BuildEnvironment;
using Distri.Tasks.Diagnostics;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace Distri.Tasks.Bootstrap;

/// <summary>
/// The toolchain packages from a repository this build does not build into (a shared prebuilt
/// toolchain): the newest of each name, described like a built dependency (GetDistriPackageInfo's
/// items), so digest, closure and view need no special case.
/// </summary>
public sealed class ResolveToolchain : Microsoft.Build.Utilities.Task
{
    [Required] public ITaskItem[] Names { get; set; } = [];
    [Required] public string RepositoryDirectory { get; set; } = "";
    [Required] public string ProjectFile { get; set; } = "";

    /// <summary>Full names with metadata Name, MetaPath, ImagePath.</summary>
    [Output] public ITaskItem[] Packages { get; private set; } = [];

    public override bool Execute()
    {
        var closure = new PackageClosure([RepositoryDirectory]);
        var packages = new List<ITaskItem>();
        foreach (var name in Names.Select(n => n.ItemSpec))
        {
            if (closure.Newest(name) is not { } full)
            {
                Log.LogError(Messages.UnbuiltDependency, ProjectFile, "DistriToolchain", null, name,
                    $"the toolchain's repository {RepositoryDirectory} has none (build it there first: dotnet build pkgs/{name} -p:DistriArtifactsDir=…)");
                continue;
            }
            var item = new TaskItem(full.ToString());
            item.SetMetadata("Name", full.Name);
            item.SetMetadata("MetaPath", Path.Combine(RepositoryDirectory, StoreLayout.MetaFileName(full)));
            item.SetMetadata("ImagePath", Path.Combine(RepositoryDirectory, StoreLayout.ImageFileName(full)));
            packages.Add(item);
        }
        Packages = [.. packages];
        return !Log.HasLoggedErrors;
    }
}
