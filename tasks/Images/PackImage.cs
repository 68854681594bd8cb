using System.Diagnostics;
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

    /// <summary>
    /// Until the writer lands (its stub throws NotImplementedException), pack with mksquashfs using
    /// the same reproducible, uncompressed, fragment-free settings. Set false to insist on our writer.
    /// </summary>
    public bool AllowMksquashfsFallback { get; set; } = true;

    public override bool Execute()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(ImagePath))!);
        try
        {
            var time = checked((uint)Mtime);
            try
            {
                SquashFsWriter.Write(ImageRoot, ImagePath, new SquashFsWriterOptions { ImageTime = time, Mtime = time });
            }
            catch (NotImplementedException) when (AllowMksquashfsFallback)
            {
                Log.LogMessage(MessageImportance.Normal, "the SquashFS writer is not implemented yet; packing with mksquashfs");
                Mksquashfs(time);
            }
            Log.LogMessage(MessageImportance.Normal, "wrote {0} ({1} bytes)", ImagePath, new FileInfo(ImagePath).Length);
        }
        catch (Exception e) when (e is SquashFsException or IOException or UnauthorizedAccessException or OverflowException or InvalidOperationException)
        {
            Log.LogError(Messages.PackFailed, DefinitionFile, ImagePath, e.Message);
        }
        return !Log.HasLoggedErrors;
    }

    private void Mksquashfs(uint time)
    {
        var temp = ImagePath + $".{Environment.ProcessId}.tmp";
        File.Delete(temp);
        var info = new ProcessStartInfo("mksquashfs") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { ImageRoot, temp, "-noappend", "-quiet", "-no-progress", "-all-root", "-no-xattrs",
                     "-noI", "-noD", "-noF", "-noX", "-no-fragments", "-mkfs-time", $"{time}", "-all-time", $"{time}" })
            info.ArgumentList.Add(a);
        using var process = Process.Start(info) ?? throw new InvalidOperationException("cannot start mksquashfs");
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            File.Delete(temp);
            throw new InvalidOperationException($"mksquashfs exited {process.ExitCode}: {stderr.Result}{stdout}".Trim());
        }
        File.Move(temp, ImagePath, overwrite: true);
    }
}
