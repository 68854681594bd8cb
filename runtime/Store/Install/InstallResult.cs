using Distri.Packages;

namespace Distri.Store.Install;

/// <summary>What an install did: packages made visible, failures with their reasons, bytes and time.</summary>
public sealed record InstallResult(
    IReadOnlyList<PackageFullName> Installed,
    IReadOnlyList<InstallFailure> Failures,
    long Bytes,
    TimeSpan Elapsed)
{
    public bool Succeeded => Failures.Count == 0;

    /// <summary>Files and symlinks copied from the new packages' <c>etc/</c>, relative to the root.</summary>
    public IReadOnlyList<string> EtcCopied { get; init; } = [];

    /// <summary><c>installed N packages (X MB) in T s, Y MB/s</c>.</summary>
    public string Summary
    {
        get
        {
            var megabytes = Bytes / 1e6;
            var seconds = Math.Max(Elapsed.TotalSeconds, 1e-6);
            return string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"installed {Installed.Count} packages ({megabytes:0.0} MB) in {Elapsed.TotalSeconds:0.00} s, {megabytes / seconds:0.0} MB/s");
        }
    }
}

public sealed record InstallFailure(PackageFullName Package, string Message);
