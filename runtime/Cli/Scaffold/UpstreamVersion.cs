using System.Text.RegularExpressions;

namespace Distri.Cli.Scaffold;

/// <summary>A package's version as <c>distri new</c> guesses it when not told: from a tarball's file name or a Debian version.</summary>
public static partial class UpstreamVersion
{
    /// <summary><c>less-590.tar.gz</c> → 590, <c>json-c_0.16.tar.xz</c> → 0.16; null when the name carries none.</summary>
    public static string? FromFileName(string fileName)
    {
        var stem = ArchiveSuffix().Replace(fileName, "");
        var match = TrailingVersion().Match(stem);
        return match.Success ? match.Groups["version"].Value : null;
    }

    /// <summary>
    /// The upstream part of a Debian version: <c>590-2.1~deb12u2</c> → 590, <c>1:1.2.13.dfsg-1</c> →
    /// 1.2.13 (no epoch, no Debian revision, no repack suffix).
    /// </summary>
    public static string FromDebian(string debianVersion)
    {
        var version = debianVersion[(debianVersion.IndexOf(':') + 1)..];
        if (version.LastIndexOf('-') is var dash and > 0) version = version[..dash];
        return RepackSuffix().Replace(version, "");
    }

    [GeneratedRegex(@"(\.orig)?\.(tar\.(gz|xz|bz2|zst|lz|lzma)|tgz|tbz2?|txz|zip)$", RegexOptions.IgnoreCase)]
    private static partial Regex ArchiveSuffix();

    [GeneratedRegex(@"[-_]v?(?<version>\d[0-9A-Za-z.+~]*)$")]
    private static partial Regex TrailingVersion();

    [GeneratedRegex(@"([.+~](dfsg|ds|repack)\d*)+$", RegexOptions.IgnoreCase)]
    private static partial Regex RepackSuffix();
}
