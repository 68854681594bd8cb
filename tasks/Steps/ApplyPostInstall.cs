using Distri.Tasks.Diagnostics;
using Microsoft.Build.Framework;

namespace Distri.Tasks.Steps;

/// <summary>
/// Post-install fix-ups on the installed tree, in definition order: <c>delete</c> (Path),
/// <c>symlink</c> (Path → LinkTarget, written verbatim; MSBuild reserves the name Target) and <c>chmod</c> (Path, octal Mode).
/// Paths are relative to the image root (<c>out/…</c>) and may not leave it.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ApplyPostInstall : Microsoft.Build.Utilities.Task
{
    [Required] public string DefinitionFile { get; set; } = "";
    [Required] public string ImageRoot { get; set; } = "";
    public ITaskItem[] Actions { get; set; } = [];

    public override bool Execute()
    {
        var root = Path.GetFullPath(ImageRoot);
        foreach (var action in Actions)
        {
            var kind = action.ItemSpec;
            var relative = action.Meta("Path") ?? "";
            var path = Path.GetFullPath(Path.Combine(root, relative));
            if (!path.StartsWith(root + "/", StringComparison.Ordinal))
            {
                Log.LogError(Messages.PostInstallFailed, DefinitionFile, "PostInstall", kind, kind, relative, "the path leaves the image root");
                continue;
            }
            try
            {
                Log.LogMessage(MessageImportance.Normal, "post-install: {0} {1}", kind, relative);
                switch (kind)
                {
                    case "delete":
                        if (Directory.Exists(path) && !new FileInfo(path).Attributes.HasFlag(FileAttributes.ReparsePoint)) Directory.Delete(path, recursive: true);
                        else if (File.Exists(path) || new FileInfo(path).LinkTarget is not null) File.Delete(path);
                        else throw new FileNotFoundException("nothing to delete there");
                        break;
                    case "symlink":
                        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                        if (new FileInfo(path).LinkTarget is not null || File.Exists(path)) File.Delete(path);
                        File.CreateSymbolicLink(path, action.Meta("LinkTarget")!);
                        break;
                    case "chmod":
                        var mode = Convert.ToInt32(action.Meta("Mode"), 8);
                        File.SetUnixFileMode(path, (UnixFileMode)mode);
                        break;
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or ArgumentException)
            {
                Log.LogError(Messages.PostInstallFailed, DefinitionFile, "PostInstall", kind, kind, relative, e.Message);
            }
        }
        return !Log.HasLoggedErrors;
    }
}
