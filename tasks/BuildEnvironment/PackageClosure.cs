using Distri.Packages;

namespace Distri.Tasks.BuildEnvironment;

/// <summary>
/// Closures over the repository's metas, whose <c>runtimeDependencies</c> are already transitive:
/// one level of reading gives the whole closure. Pure logic (no MSBuild types) so tests and tools
/// use it directly; problems are returned as messages for the task to log with its codes.
/// Several repositories are searched in order (the distribution's own, then a prebuilt toolchain's).
/// </summary>
public sealed class PackageClosure(IReadOnlyList<string> repositoryDirectories)
{
    public PackageClosure(string repositoryDirectory) : this([repositoryDirectory])
    {
    }

    private readonly Dictionary<PackageFullName, PackageMeta?> _metas = [];

    /// <summary>(code, file, message) of every problem met, in order.</summary>
    public List<(string Code, string? File, string Message)> Problems { get; } = [];

    /// <summary>Each package plus its recorded runtime closure; <paramref name="requireImage"/>: the image must exist too.</summary>
    public SortedSet<PackageFullName> Close(IEnumerable<PackageFullName> packages, bool requireImage)
    {
        var closure = new SortedSet<PackageFullName>();
        foreach (var full in packages)
        {
            if (Meta(full, requireImage) is not { } meta) continue;
            closure.Add(full);
            foreach (var runtime in meta.RuntimeDependencies)
            {
                if (!PackageFullName.TryParse(runtime, out var dep, out var error))
                    Problems.Add((BuildEnvironmentErrors.UnreadableMeta, MetaPath(full), $"runtime dependency {error}"));
                else if (Meta(dep, requireImage) is not null)
                    closure.Add(dep);
            }
        }
        return closure;
    }

    /// <summary>Each package followed by its split parts (its meta's splitPackages): what a build depending on it sees.</summary>
    public IEnumerable<PackageFullName> WithSplitPackages(IEnumerable<PackageFullName> packages, bool requireImage)
    {
        foreach (var full in packages)
        {
            yield return full;
            foreach (var part in Meta(full, requireImage)?.SplitPackages ?? [])
            {
                if (PackageFullName.TryParse(part, out var parsed, out var error)) yield return parsed;
                else Problems.Add((BuildEnvironmentErrors.UnreadableMeta, MetaPath(full), $"split package {error}"));
            }
        }
    }

    /// <summary>The newest package of that name that has a meta in the repository, if any.</summary>
    public PackageFullName? Newest(string name) =>
        repositoryDirectories.Where(Directory.Exists)
            .SelectMany(repository => Directory.EnumerateFiles(repository, "*" + StoreLayout.MetaExtension))
            .Select(p => StoreLayout.TryParseMetaFileName(Path.GetFileName(p), out var n) ? n : (PackageFullName?)null)
            .Where(n => n is { } v && v.Name == name)
            .Max();

    /// <summary>The repository holding the package's meta (the first one searched when none does).</summary>
    public string RepositoryOf(PackageFullName full) =>
        repositoryDirectories.FirstOrDefault(r => File.Exists(Path.Combine(r, StoreLayout.MetaFileName(full)))) ?? repositoryDirectories[0];

    public PackageMeta? Meta(PackageFullName full, bool requireImage = false)
    {
        if (_metas.TryGetValue(full, out var cached)) return cached;
        PackageMeta? meta = null;
        var path = MetaPath(full);
        if (!File.Exists(path) || (requireImage && !File.Exists(Path.Combine(RepositoryOf(full), StoreLayout.ImageFileName(full)))))
        {
            Problems.Add((BuildEnvironmentErrors.UnbuiltDependency, null,
                $"dependency {full} is not built: {path} does not exist (build it first: dotnet build pkgs/{full.Name})"));
        }
        else
        {
            try
            {
                meta = Yaml.ReadMeta(path);
            }
            catch (Exception e) when (e is InvalidDataException or IOException)
            {
                Problems.Add((BuildEnvironmentErrors.UnreadableMeta, path, e.Message));
            }
        }
        return _metas[full] = meta;
    }

    /// <summary>By name, then newest first: where a name appears twice the newer revision wins search paths.</summary>
    public static IEnumerable<PackageFullName> Order(IEnumerable<PackageFullName> names) =>
        names.OrderBy(n => n.Name, StringComparer.Ordinal).ThenBy(n => n.Arch, StringComparer.Ordinal)
             .ThenByDescending(n => n);

    private string MetaPath(PackageFullName full) => Path.Combine(RepositoryOf(full), StoreLayout.MetaFileName(full));
}
