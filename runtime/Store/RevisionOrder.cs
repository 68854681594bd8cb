using Distri.Packages;

namespace Distri.Store;

/// <summary>
/// Which of two revisions of the same name is newer: the revision number decides (the build
/// increments it), the version is only a tie-breaker. Used for "newest", update and gc alike.
/// </summary>
public sealed class RevisionOrder : IComparer<PackageFullName>
{
    public static RevisionOrder Instance { get; } = new();

    public int Compare(PackageFullName x, PackageFullName y)
    {
        var c = x.Revision.CompareTo(y.Revision);
        return c != 0 ? c : VersionComparer.Compare(x.Version, y.Version);
    }
}
