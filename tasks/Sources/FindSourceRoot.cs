using Distri.Sources;
using Distri.Tasks.Diagnostics;
using Microsoft.Build.Framework;

namespace Distri.Tasks.Sources;

/// <summary>
/// The source tree inside an extraction directory: the single top-level directory tarballs
/// conventionally hold (hello-2.10/), else the extraction directory itself (<see cref="SourceTree"/>). And the project
/// directory the builder works in: the definition's <c>SourceSubdirectory</c> below that tree
/// (a tarball whose CMakeLists.txt or configure sits one level down), else the tree itself.
/// </summary>
public sealed class FindSourceRoot : Microsoft.Build.Utilities.Task
{
    [Required] public string ExtractDirectory { get; set; } = "";
    public string DefinitionFile { get; set; } = "";

    /// <summary>Relative to the source tree; validated (DST1016) before anything was fetched.</summary>
    public string SourceSubdirectory { get; set; } = "";

    [Output] public string SourceRoot { get; set; } = "";
    [Output] public string ProjectDirectory { get; set; } = "";

    public override bool Execute()
    {
        SourceRoot = SourceTree.Root(ExtractDirectory);
        ProjectDirectory = SourceRoot;
        if (string.IsNullOrWhiteSpace(SourceSubdirectory)) return true;

        // Each component a real directory: the tarball is untrusted, and a link must not move the
        // build's working directory to somewhere else of the build tree.
        var directory = SourceRoot;
        foreach (var component in SourceSubdirectory.Trim().Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            directory = Path.Combine(directory, component);
            if (!SourceTree.IsPlainDirectory(directory))
            {
                Log.LogError(Messages.SourceSubdirectoryMissing, DefinitionFile, "SourceSubdirectory", null, SourceSubdirectory.Trim(), Path.GetFileName(SourceRoot),
                    string.Join(", ", Directory.GetDirectories(SourceRoot).Select(Path.GetFileName).Order(StringComparer.Ordinal)));
                return false;
            }
        }
        ProjectDirectory = directory;
        return true;
    }
}
