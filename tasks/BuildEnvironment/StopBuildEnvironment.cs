using Distri.Linux;
using Microsoft.Build.Framework;

namespace Distri.Tasks.BuildEnvironment;

/// <summary>Stops the build view's daemon and makes sure its mount is gone; does nothing when none runs.</summary>
public sealed class StopBuildEnvironment : Microsoft.Build.Utilities.Task
{
    [Required]
    public string EnvironmentDirectory { get; set; } = "";

    public override bool Execute()
    {
        BuildView.Stop(Path.GetFullPath(EnvironmentDirectory));
        if (MountTable.IsMounted(BuildView.MountPoint(Path.GetFullPath(EnvironmentDirectory))))
            Log.LogWarning("the build view at {0} is still mounted", BuildView.MountPoint(EnvironmentDirectory));
        return !Log.HasLoggedErrors;
    }
}
