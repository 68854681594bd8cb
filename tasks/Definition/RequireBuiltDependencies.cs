using Distri.Tasks.Diagnostics;
using Microsoft.Build.Framework;

namespace Distri.Tasks.Definition;

/// <summary>
/// Every dependency must be published before this package builds against it (DST1006): with
/// BuildProjectReferences=false nothing builds it, and a failed dependency build must not leave
/// this package building against a stale or missing one.
/// </summary>
public sealed class RequireBuiltDependencies : Microsoft.Build.Utilities.Task
{
    [Required] public string DefinitionFile { get; set; } = "";

    /// <summary>GetDistriPackageInfo results: full name, metadata Name and MetaPath.</summary>
    public ITaskItem[] Dependencies { get; set; } = [];

    public override bool Execute()
    {
        foreach (var dependency in Dependencies)
        {
            var meta = dependency.GetMetadata("MetaPath");
            if (File.Exists(meta)) continue;
            Log.LogDependencyError(Messages.UnbuiltDependency, DefinitionFile, dependency.GetMetadata("Name"), dependency.ItemSpec, $"{meta} does not exist");
        }
        return !Log.HasLoggedErrors;
    }
}
