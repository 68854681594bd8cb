namespace Distri.Packages;

/// <summary>
/// The one order of "newer" between packages, used by the build (closures, rpaths), the store
/// (install, update, gc) and /ro (which package wins a name): the revision decides, because a
/// package name's revision never goes down, not even when the version changes (zsh 5.9-2 is
/// followed by 5.10-3, never by 5.10-1); the version only breaks ties; last, so that the order is
/// total and the same store always gives the same /ro, the ordinally smaller full name ranks higher.
/// Greater means newer.
/// </summary>
public sealed class PackageOrder : IComparer<PackageFullName>
{
    public static PackageOrder Newer { get; } = new();

    public int Compare(PackageFullName x, PackageFullName y)
    {
        var c = x.Revision.CompareTo(y.Revision);
        if (c == 0) c = VersionComparer.Compare(x.Version, y.Version);
        if (c == 0) c = string.CompareOrdinal(y.ToString(), x.ToString());
        return c;
    }
}
