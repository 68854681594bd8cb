using System.Text;
using Distri.Linux;
using Distri.Tasks.Diagnostics;
using Microsoft.Build.Framework;

namespace Distri.Tasks.Images;

/// <summary>
/// Before packing: removes from the installed tree what makes two builds of the same inputs differ
/// (<see cref="Nondeterminism"/>), so the same inputs give the same image bytes on any machine and
/// in any checkout directory. Symbolic links are never followed; files keep their modes.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class NormalizeTree : Microsoft.Build.Utilities.Task
{
    [Required] public string DefinitionFile { get; set; } = "";
    [Required] public string ImageRoot { get; set; } = "";

    /// <summary>Where the build ran: replaced in text files by <see cref="FixedBuildDirectory"/>.</summary>
    [Required] public string BuildDirectory { get; set; } = "";
    [Required] public string FixedBuildDirectory { get; set; } = "";
    public int Mtime { get; set; }

    public override bool Execute()
    {
        var paths = new List<(byte[], byte[])> { (Encoding.UTF8.GetBytes(BuildDirectory.TrimEnd('/')), Encoding.UTF8.GetBytes(FixedBuildDirectory.TrimEnd('/'))) };
        try
        {
            Walk(new DirectoryInfo(ImageRoot), paths);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Log.LogError(Messages.PackFailed, DefinitionFile, ImageRoot, e.Message);
        }
        return !Log.HasLoggedErrors;
    }

    private void Walk(DirectoryInfo directory, List<(byte[], byte[])> paths)
    {
        foreach (var entry in directory.EnumerateFileSystemInfos())
        {
            if (entry.LinkTarget is not null) continue;
            if (entry is DirectoryInfo sub) Walk(sub, paths);
            else if (entry is FileInfo file) Normalize(file, paths);
        }
    }

    private void Normalize(FileInfo file, List<(byte[], byte[])> paths)
    {
        var data = File.ReadAllBytes(file.FullName);
        var changed = Nondeterminism.Gzip(data) ?? Nondeterminism.Ar(data)
            ?? (file.Extension == ".pyc" ? Nondeterminism.Pyc(data, checked((uint)Mtime)) : null)
            ?? Nondeterminism.BuildPaths(data, paths);
        if (changed is null)
        {
            if (Nondeterminism.Contains(data, paths))
                Log.LogMessage(MessageImportance.Normal, "{0} still holds the build directory's path (a binary: left alone)", file.FullName);
            return;
        }
        Log.LogMessage(MessageImportance.Low, "normalised {0}", file.FullName);
        // Through a temp file and a rename: a read-only file (0444) is replaced, not opened for writing.
        var mode = File.GetUnixFileMode(file.FullName);
        AtomicFile.Write(file.FullName, stream => stream.Write(changed), finish: temp => File.SetUnixFileMode(temp, mode));
    }
}
