using CliWrap.Buffered;
using Distri.Packages;

namespace Distri.Sources;

/// <summary>
/// Debian's source archive as apt serves it on this machine (its configured <c>deb-src</c>
/// lines; no host is named here): <c>apt-get source --download-only</c> fetches a source package's
/// files, <c>apt-cache showsrc</c> lists the versions the indexes know with each file's sha256.
/// Both tools are configurable, so tests run them against an archive of their own.
/// </summary>
public sealed class DebianSourceArchive(string aptGet = "apt-get", string aptCache = "apt-cache")
{
    public string AptGet { get; } = aptGet;
    public string AptCache { get; } = aptCache;
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(300);

    /// <summary>
    /// Downloads <paramref name="package"/> (at <paramref name="version"/>, or apt's candidate when
    /// null) into <paramref name="directory"/>, which should be empty. Only the upstream tarball
    /// matters to distri: a mirror that serves it but no longer the version's .debian.tar.* makes
    /// apt-get fail after the tarball is already here, and that counts as downloaded.
    /// </summary>
    /// <exception cref="DebianSourceException">apt-get failed (its last line) with no upstream tarball, gave no answer in time, or could not be started.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public DownloadedSource Download(string package, string? version, string directory, CancellationToken cancellationToken = default)
    {
        // apt drops to its _apt user for downloads: let it write here.
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(directory, (UnixFileMode)0b111_111_111);
        var result = Run(AptGet, ["source", "--download-only", "-qq", version is null ? package : $"{package}={version}"], directory, cancellationToken);
        var orig = Directory.EnumerateFiles(directory, "*.orig.tar.*")
            .Where(f => !f.EndsWith(".asc", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal).FirstOrDefault();
        if (orig is null && result.ExitCode != 0) throw Failed($"apt-get source {package}{(version is null ? "" : "=" + version)}", result);
        var dsc = Directory.EnumerateFiles(directory, "*.dsc").Order(StringComparer.Ordinal).FirstOrDefault();
        var fields = dsc is null ? null : Deb822.Parse(File.ReadAllText(dsc)).FirstOrDefault(s => s.ContainsKey("Version"));
        return new DownloadedSource(orig, fields?.GetValueOrDefault("Version") ?? version, fields?.GetValueOrDefault("Homepage"));
    }

    /// <summary>Every version of the source package the indexes list, newest first, with the sha256 of its files.</summary>
    /// <exception cref="DebianSourceException">apt-cache failed or could not be started.</exception>
    public IReadOnlyList<ServedSource> Served(string package, CancellationToken cancellationToken = default)
    {
        var result = Run(AptCache, ["showsrc", "-q", package], Environment.CurrentDirectory, cancellationToken);
        if (result.ExitCode != 0) throw Failed($"apt-cache showsrc {package}", result);
        return [.. Deb822.Parse(result.StandardOutput)
            // showsrc also answers for a binary package's name: only the source package itself counts.
            .Where(s => s.GetValueOrDefault("Package") == package && s.ContainsKey("Version"))
            .Select(s => new ServedSource(s["Version"], ChecksumLines(s.GetValueOrDefault("Checksums-Sha256"))))
            .DistinctBy(s => s.Version)
            .OrderByDescending(s => s.Version, Comparer<string>.Create(VersionComparer.Compare))];
    }

    private static IReadOnlyDictionary<string, string> ChecksumLines(string? field)
    {
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in (field ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 3) files[parts[2]] = parts[0].ToLowerInvariant();
        }
        return files;
    }

    private BufferedCommandResult Run(string tool, string[] arguments, string directory, CancellationToken cancellationToken)
    {
        try
        {
            return AptProcess.Run(tool, arguments, directory, Timeout, cancellationToken);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new DebianSourceException($"{Path.GetFileName(tool)} {string.Join(' ', arguments)}: no answer in {Timeout.TotalSeconds:0} s");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new DebianSourceException($"cannot run {tool}: {e.Message}");
        }
    }

    private static DebianSourceException Failed(string what, BufferedCommandResult result) =>
        new($"{what}: exit code {result.ExitCode} {AptProcess.Why(result)}".TrimEnd());
}

/// <summary>What <c>apt-get source --download-only</c> left: the upstream tarball (null when the format has none), the version and upstream homepage from the <c>.dsc</c>.</summary>
public sealed record DownloadedSource(string? OrigTarball, string? Version, string? Homepage);

/// <summary>A version of a source package the archive's index lists, with its files' sha256 by name.</summary>
public sealed record ServedSource(string Version, IReadOnlyDictionary<string, string> Sha256ByFile)
{
    /// <summary>The sha256 of its upstream tarball (<c>*.orig.tar.*</c>, not a signature), when it has one.</summary>
    public string? OrigSha256 => Sha256ByFile
        .Where(f => f.Key.Contains(".orig.tar.", StringComparison.Ordinal) && !f.Key.EndsWith(".asc", StringComparison.Ordinal))
        .OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => f.Value).FirstOrDefault();
}

/// <summary>apt could not supply a source package; the message says why in one line.</summary>
public sealed class DebianSourceException(string message) : IOException(message);
