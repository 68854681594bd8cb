namespace Distri.Packages;

/// <summary>File names inside a store or a repository's <c>pkg/</c> directory: one place.</summary>
public static class StoreLayout
{
    public const string ImageExtension = ".squashfs";
    public const string MetaExtension = ".meta.yaml";

    public static string ImageFileName(PackageFullName name) => name + ImageExtension;
    public static string MetaFileName(PackageFullName name) => name + MetaExtension;

    /// <summary>Recognises <c>&lt;full&gt;.squashfs</c>; anything else (temp files, hostile names) is not a package.</summary>
    public static bool TryParseImageFileName(string fileName, out PackageFullName name)
    {
        name = default;
        return fileName.EndsWith(ImageExtension, StringComparison.Ordinal)
            && PackageFullName.TryParse(fileName[..^ImageExtension.Length], out name);
    }

    public static bool TryParseMetaFileName(string fileName, out PackageFullName name)
    {
        name = default;
        return fileName.EndsWith(MetaExtension, StringComparison.Ordinal)
            && PackageFullName.TryParse(fileName[..^MetaExtension.Length], out name);
    }
}
