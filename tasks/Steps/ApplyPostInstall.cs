using Distri.Linux;
using Distri.Tasks.Diagnostics;
using Microsoft.Build.Framework;

namespace Distri.Tasks.Steps;

/// <summary>
/// Post-install fix-ups on the installed tree, in definition order: <c>delete</c> (Path),
/// <c>symlink</c> (Path → LinkTarget, written verbatim; MSBuild reserves the name Target) and <c>chmod</c> (Path, octal Mode).
/// They run on the host, over a tree the build wrote: paths are resolved below the image root
/// without following any symlink (<see cref="ConfinedDirectory"/>), so a planted link can neither
/// lead an action outside the package nor have its target changed.
/// </summary>
public sealed class ApplyPostInstall : Microsoft.Build.Utilities.Task
{
    [Required] public string DefinitionFile { get; set; } = "";
    [Required] public string ImageRoot { get; set; } = "";

    /// <summary>The directory the image root must be reached from through real directories (the DESTDIR root).</summary>
    public string? TrustedParent { get; set; }
    public ITaskItem[] Actions { get; set; } = [];

    public override bool Execute()
    {
        ConfinedDirectory root;
        try
        {
            root = ConfinedDirectory.Open(ImageRoot, TrustedParent);
        }
        catch (IOException e)
        {
            Log.LogError(Messages.UnsafeInstallTree, DefinitionFile, e.Message);
            return false;
        }
        using (root)
        {
            foreach (var action in Actions)
            {
                var kind = action.ItemSpec;
                var relative = action.Meta("Path") ?? "";
                try
                {
                    Log.LogMessage(MessageImportance.Normal, "post-install: {0} {1}", kind, relative);
                    switch (kind)
                    {
                        case "delete":
                            if (!root.Exists(relative)) throw new FileNotFoundException("nothing to delete there");
                            root.Delete(relative);
                            break;
                        case "symlink":
                            root.CreateSymlink(relative, action.Meta("LinkTarget")!);
                            break;
                        case "chmod":
                            root.SetMode(relative, (UnixFileMode)Convert.ToInt32(action.Meta("Mode"), 8));
                            break;
                    }
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or ArgumentException)
                {
                    Log.LogError(Messages.PostInstallFailed, DefinitionFile, "PostInstall", kind, kind, relative, e.Message);
                }
            }
        }
        return !Log.HasLoggedErrors;
    }
}
