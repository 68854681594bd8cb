using Distri.SquashFs;
using Distri.Tasks.Diagnostics;
using Microsoft.Build.Framework;

namespace Distri.Tasks.Images;

/// <summary>
/// Packs the installed tree (the image root, holding <c>out/…</c>) into a SquashFS image with our
/// writer, reproducibly: every mtime and the superblock time are <see cref="Mtime"/>.
/// </summary>
public sealed class PackImage : Microsoft.Build.Utilities.Task
{
    [Required] public string DefinitionFile { get; set; } = "";
    [Required] public string ImageRoot { get; set; } = "";
    [Required] public string ImagePath { get; set; } = "";
    public int Mtime { get; set; }

    public override bool Execute()
    {
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(ImagePath))!);
            var time = checked((uint)Mtime);
            SquashFsWriter.Write(ImageRoot, ImagePath, new SquashFsWriterOptions { ImageTime = time, Mtime = time });
            Log.LogMessage(MessageImportance.Normal, "wrote {0} ({1} bytes)", ImagePath, new FileInfo(ImagePath).Length);
        }
        catch (Exception e) when (e is SquashFsException or IOException or UnauthorizedAccessException or OverflowException)
        {
            Log.LogError(Messages.PackFailed, DefinitionFile, ImagePath, e.Message);
        }
        return !Log.HasLoggedErrors;
    }
}
