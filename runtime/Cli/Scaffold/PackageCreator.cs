using CliWrap;
using CliWrap.Buffered;
using Distri.Packages;
using Distri.Sources;

namespace Distri.Cli.Scaffold;

/// <summary>
/// <c>distri new</c>: fetches a package's upstream tarball (a URL, Debian's source archive, or
/// both), hashes it, reads its listing for the build system (<see cref="BuildSystem"/>) and writes
/// <c>pkgs/NAME/NAME.distpkg</c> (<see cref="NewDefinition"/>) and <c>NAME.slnx</c>. The fetched
/// tarballs go into the SDK's source cache, so the first build needs no second download. An
/// existing package folder is never touched.
/// </summary>
public sealed class PackageCreator(string packagesDirectory)
{
    public string PackagesDirectory { get; } = Path.GetFullPath(packagesDirectory);

    /// <summary>The SDK's source cache (artifacts/sources); null: fetched tarballs are not kept.</summary>
    public string? SourceCacheDirectory { get; init; }
    public DebianSourceArchive Archive { get; init; } = new();
    public TimeSpan HttpTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Progress lines (what is fetched from where).</summary>
    public TextWriter Progress { get; init; } = TextWriter.Null;

    public sealed record Created(string DefinitionPath, string SolutionPath, NewDefinition Definition);

    /// <param name="debian"><c>SOURCE</c> or <c>SOURCE=VERSION</c>: a source package in Debian's archive.</param>
    /// <exception cref="IOException">The folder exists, or a fetch failed (the message says which and why).</exception>
    /// <exception cref="InvalidDataException">A name or version is not valid, or nothing says where the source is.</exception>
    public Created Create(string name, string? url, string? debian, string? version)
    {
        if (PackageFullName.ValidateComponent("name", name, allowDash: true) is { } badName) throw new InvalidDataException(badName);
        if (url is null && debian is null) throw new InvalidDataException("say where the source is: --url URL, --debian SOURCE[=VERSION], or both");
        var folder = Path.Combine(PackagesDirectory, name);
        if (Path.Exists(folder)) throw new IOException($"{folder} already exists: distri new never overwrites a package");

        var work = Directory.CreateTempSubdirectory("distri-new-").FullName;
        try
        {
            var notes = new List<string>();
            Fetched? upstream = null, fromDebian = null;
            string? urlFailure = null;
            if (url is not null)
            {
                try
                {
                    upstream = FetchUrl(url, work);
                }
                catch (IOException e) when (debian is not null)
                {
                    urlFailure = e.Message;
                }
            }
            string? debianSource = null, debianVersion = null;
            if (debian is not null)
            {
                var (package, pinned) = debian.Split('=', 2) is [var p, var v] ? (p, v) : (debian, (string?)null);
                (fromDebian, debianVersion, var homepage) = FetchDebian(package, pinned, work);
                debianSource = package;
                notes.Add($"Debian's {Path.GetFileName(fromDebian.Path)} from source {package}={debianVersion}" + (homepage is null ? "." : $"; upstream: {homepage}"));
            }
            var tarball = upstream ?? fromDebian!;
            if (url is null)
            {
                notes.Add("No upstream URL is known: the build fetches it from Debian's source archive.");
                notes.Add("Put upstream's URL in Include when its tarball has this Sha256.");
            }
            if (urlFailure is not null)
            {
                notes.Add($"{url} could not be fetched here ({urlFailure}): Sha256 is Debian's tarball's.");
                notes.Add("If upstream's differs (a repack), move it to DebianSha256 and put upstream's in Sha256.");
            }

            version ??= debianVersion is not null ? UpstreamVersion.FromDebian(debianVersion) : UpstreamVersion.FromFileName(Path.GetFileName(new Uri(url!).LocalPath));
            if (version is null) throw new InvalidDataException($"cannot tell the version from {url}: pass --version");
            if (PackageFullName.ValidateComponent("version", version, allowDash: false) is { } badVersion) throw new InvalidDataException($"{badVersion}: pass --version");

            var definition = new NewDefinition
            {
                Name = name,
                Version = version,
                Build = BuildSystem.Detect(List(tarball.Path)),
                SourceInclude = url ?? Path.GetFileName(fromDebian!.Path),
                Sha256 = tarball.Sha256,
                DebianSource = debianSource,
                DebianVersion = debianVersion,
                DebianSha256 = upstream is not null && fromDebian is not null && fromDebian.Sha256 != upstream.Sha256 ? fromDebian.Sha256 : null,
                SourceNotes = notes,
            };
            foreach (var fetched in new[] { upstream, fromDebian }.OfType<Fetched>()) Keep(fetched);

            Directory.CreateDirectory(PackagesDirectory);
            Directory.CreateDirectory(folder);
            var definitionPath = Path.Combine(folder, name + PackageDefinition.Extension);
            File.WriteAllText(definitionPath, definition.ToXml());
            PackageSolution.WriteIfMissing(definitionPath);
            return new Created(definitionPath, PackageSolution.PathFor(definitionPath), definition);
        }
        finally
        {
            try { Directory.Delete(work, recursive: true); } catch (IOException) { }
        }
    }

    private sealed record Fetched(string Path, string Sha256);

    private Fetched FetchUrl(string url, string work)
    {
        if (!UrlDownload.IsSupported(url, out var uri)) throw new InvalidDataException($"{url} is not an http(s) or file URL");
        var path = Path.Combine(Directory.CreateDirectory(Path.Combine(work, "url")).FullName, Path.GetFileName(uri.LocalPath) is { Length: > 0 } file ? file : "source");
        Progress.WriteLine($"fetching {url}");
        try
        {
            return new Fetched(path, UrlDownload.Download(uri, path, HttpTimeout));
        }
        catch (Exception e) when (UrlDownload.IsDownloadFailure(e))
        {
            throw new IOException($"cannot fetch {url}: {UrlDownload.Describe(e)}", e);
        }
    }

    private (Fetched Tarball, string Version, string? Homepage) FetchDebian(string package, string? version, string work)
    {
        Progress.WriteLine($"fetching Debian source {package}{(version is null ? "" : "=" + version)} (apt-get source --download-only)");
        var downloaded = Archive.Download(package, version, Directory.CreateDirectory(Path.Combine(work, "debian")).FullName);
        if (downloaded.OrigTarball is not { } orig)
            throw new IOException($"Debian source {package} has no upstream tarball (a Debian-native package?): use --url");
        return (new Fetched(orig, SourceCache.HashFile(orig)), downloaded.Version ?? version ?? "", downloaded.Homepage);
    }

    /// <summary>The tarball's entries (<c>tar -t</c>, which recognizes the compression itself).</summary>
    private static IEnumerable<string> List(string tarball)
    {
        var result = CliWrap.Cli.Wrap("tar").WithArguments(["-tf", tarball])
            .WithValidation(CommandResultValidation.None)
            .ExecuteBufferedAsync().GetAwaiter().GetResult();
        if (!result.IsSuccess)
            throw new IOException($"cannot list {Path.GetFileName(tarball)} (tar -tf: exit code {result.ExitCode}): {result.StandardError.Trim().Split('\n').LastOrDefault()}");
        return result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    private void Keep(Fetched fetched)
    {
        if (SourceCacheDirectory is null) return;
        var cache = new SourceCache(SourceCacheDirectory);
        if (cache.TryGet(fetched.Sha256) is not null) return;
        var temp = cache.NewTempPath();
        File.Copy(fetched.Path, temp);
        cache.Commit(temp, fetched.Sha256);
    }
}
