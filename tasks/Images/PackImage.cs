using Distri.Linux;
using Distri.SquashFs;
using Distri.Tasks.Diagnostics;
using Microsoft.Build.Framework;

namespace Distri.Tasks.Images;

/// <summary>
/// Packs the installed tree (the image root, holding <c>out/…</c>) into a SquashFS image with our
/// writer, reproducibly: every mtime and the superblock time are <see cref="Mtime"/>, and every
/// file belongs to root, whichever user the build ran as. The tree is the build's: its root must
/// be a real directory reached through real directories, and nothing below it is followed.
/// </summary>
public sealed class PackImage : Microsoft.Build.Utilities.Task
{
    [Required] public string DefinitionFile { get; set; } = "";
    [Required] public string ImageRoot { get; set; } = "";
    [Required] public string ImagePath { get; set; } = "";

    /// <summary>The directory the image root must be reached from through real directories (the DESTDIR root).</summary>
    public string? TrustedParent { get; set; }
    public int Mtime { get; set; }

    public override bool Execute()
    {
        try
        {
            ConfinedDirectory.Open(ImageRoot, TrustedParent).Dispose();
        }
        catch (IOException e)
        {
            Log.LogError(Messages.UnsafeInstallTree, DefinitionFile, e.Message);
            return false;
        }
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(ImagePath))!);
            var time = checked((uint)Mtime);
            SquashFsWriter.Write(ImageRoot, ImagePath, new SquashFsWriterOptions
            {
                ImageTime = time, Mtime = time, Uid = 0, Gid = 0, FollowRootSymlink = false,
            });
            Log.LogMessage(MessageImportance.Normal, "wrote {0} ({1} bytes)", ImagePath, new FileInfo(ImagePath).Length);
        }
        catch (Exception e) when (e is SquashFsException or IOException or UnauthorizedAccessException or OverflowException)
        {
            Log.LogError(Messages.PackFailed, DefinitionFile, ImagePath, e.Message);
        }
        return !Log.HasLoggedErrors;
    }
}
