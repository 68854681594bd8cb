using Microsoft.Build.Framework;

namespace Distri.Tasks.Sources;

/// <summary>
/// The source tree inside an extraction directory: the single top-level directory tarballs
/// conventionally hold (hello-2.10/), else the extraction directory itself.
/// </summary>
public sealed class FindSourceRoot : Microsoft.Build.Utilities.Task
{
    [Required] public string ExtractDirectory { get; set; } = "";
    [Output] public string SourceRoot { get; set; } = "";

    public override bool Execute()
    {
        var entries = Directory.GetFileSystemEntries(ExtractDirectory);
        SourceRoot = entries.Length == 1 && Directory.Exists(entries[0]) && !File.GetAttributes(entries[0]).HasFlag(FileAttributes.ReparsePoint)
            ? entries[0]
            : ExtractDirectory;
        return true;
    }
}
