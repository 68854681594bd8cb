using Distri.Linux;
using Distri.Sandbox;
using Distri.Tasks.Diagnostics;
using Microsoft.Build.Framework;

namespace Distri.Tasks.BuildEnvironment;

/// <summary>Unregisters the build's view from the view daemon and makes sure its mount is gone; does nothing when none is served.</summary>
public sealed class StopBuildEnvironment : Microsoft.Build.Utilities.Task
{
    [Required]
    public string EnvironmentDirectory { get; set; } = "";

    [Required]
    public string ViewDaemonDirectory { get; set; } = "";

    public override bool Execute()
    {
        // Unregistering starts nothing: the command is only needed to start a daemon.
        BuildView.Stop(Path.GetFullPath(EnvironmentDirectory), new ViewService(ViewDaemonDirectory, []));
        var mountPoint = BuildView.MountPoint(Path.GetFullPath(EnvironmentDirectory));
        if (MountTable.IsMounted(mountPoint))
            Log.LogWarning(subcategory: null, Messages.ViewStillMounted.Code, helpKeyword: null, file: null, 0, 0, 0, 0, Messages.ViewStillMounted.Format(mountPoint));
        return !Log.HasLoggedErrors;
    }
}
