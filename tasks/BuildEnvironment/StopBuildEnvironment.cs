using Distri.Linux;
using Distri.Sandbox;
using Distri.Tasks.Diagnostics;
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
        var mountPoint = BuildView.MountPoint(Path.GetFullPath(EnvironmentDirectory));
        if (MountTable.IsMounted(mountPoint))
            Log.LogWarning(subcategory: null, Messages.ViewStillMounted.Code, helpKeyword: null, file: null, 0, 0, 0, 0, Messages.ViewStillMounted.Format(mountPoint));
        return !Log.HasLoggedErrors;
    }
}
