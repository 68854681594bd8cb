using Distri.Packages;
using Microsoft.Build.Framework;

namespace Distri.Tasks.Definition;

/// <summary>
/// Writes <c>&lt;name&gt;.slnx</c> beside every package definition that lacks one
/// (<see cref="PackageSolution"/>), so a new package folder with only its <c>.distpkg</c> builds
/// with <c>dotnet build pkgs/&lt;name&gt;</c> too.
/// </summary>
public sealed class WriteMissingSolutions : Microsoft.Build.Utilities.Task
{
    [Required] public ITaskItem[] Definitions { get; set; } = [];

    public override bool Execute()
    {
        foreach (var definition in Definitions.Select(d => d.GetMetadata("FullPath")))
        {
            try
            {
                if (PackageSolution.WriteIfMissing(definition))
                    Log.LogMessage(MessageImportance.High, "wrote {0}, so that `dotnet build {1}` finds the package", PackageSolution.PathFor(definition), Path.GetDirectoryName(definition));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Log.LogWarning("cannot write {0}: {1}", PackageSolution.PathFor(definition), e.Message);
            }
        }
        return !Log.HasLoggedErrors;
    }
}
