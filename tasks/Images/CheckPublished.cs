using Distri.Packages;
using Distri.Tasks.Diagnostics;
using Microsoft.Build.Framework;

namespace Distri.Tasks.Images;

/// <summary>
/// Is this package already published from these inputs? Then it is up to date and nothing else
/// runs. Published from other inputs, it is refused (DST4004) before any source is fetched: a full
/// name is immutable, a changed package needs a new revision (<c>distri bump</c>).
/// </summary>
public sealed class CheckPublished : Microsoft.Build.Utilities.Task
{
    [Required] public string DefinitionFile { get; set; } = "";
    [Required] public string FullName { get; set; } = "";
    [Required] public string RepositoryDirectory { get; set; } = "";
    [Required] public string InputDigest { get; set; } = "";

    [Output] public bool UpToDate { get; set; }

    public override bool Execute()
    {
        var name = PackageFullName.Parse(FullName);
        if (LocalRepository.Conflict(RepositoryDirectory, name, InputDigest) is { } published)
        {
            Log.LogError(Messages.FullNameTaken, DefinitionFile, "Revision", null, FullName, published, InputDigest, name.Name);
            return false;
        }
        UpToDate = LocalRepository.Published(RepositoryDirectory, name) is { } meta && LocalRepository.HasImage(RepositoryDirectory, meta);
        return true;
    }
}
