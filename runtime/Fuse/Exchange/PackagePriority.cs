using Distri.Packages;

namespace Distri.Fuse.Exchange;

/// <summary>
/// Which package wins a name in an exchange directory: the highest revision; on equal revisions
/// the higher version (<see cref="VersionComparer"/>); then the ordinally smaller full name. The
/// order is total over distinct full names, so the same store always gives the same /ro.
/// Sorting with this comparer puts the winner first.
/// </summary>
public sealed class PackagePriority : IComparer<PackageFullName>
{
    public static PackagePriority Instance { get; } = new();

    public int Compare(PackageFullName x, PackageFullName y)
    {
        var c = y.Revision.CompareTo(x.Revision);
        if (c == 0) c = VersionComparer.Compare(y.Version, x.Version);
        if (c == 0) c = string.CompareOrdinal(x.ToString(), y.ToString());
        return c;
    }
}
