using Distri.Packages;
using Distri.Tasks.Diagnostics;

namespace Distri.Tasks.BuildEnvironment;

/// <summary>
/// Closures over the repository's metas, whose <c>runtimeDependencies</c> are already transitive:
/// one level of reading gives the whole closure. The one computation of closures for the build
/// (its view) and for publishing (the meta's <c>runtimeDependencies</c>). Pure logic (no MSBuild
/// types) so tests use it directly; problems are returned for the task to log at the definition.
/// Several repositories are searched in order (the distribution's own, then a prebuilt toolchain's).
/// </summary>
public sealed class PackageClosure(IReadOnlyList<string> repositoryDirectories)
{
    public PackageClosure(string repositoryDirectory) : this([repositoryDirectory])
    {
    }

    /// <summary>The distribution's repository, then a prebuilt toolchain's when there is one.</summary>
    public static PackageClosure For(string repositoryDirectory, string? toolchainRepositoryDirectory) =>
        new(string.IsNullOrEmpty(toolchainRepositoryDirectory) ? [repositoryDirectory] : [repositoryDirectory, toolchainRepositoryDirectory]);

    private readonly Dictionary<PackageFullName, PackageMeta?> _metas = [];

    /// <summary>A problem with one package: the message and its arguments.</summary>
    public sealed record Problem(Messages.Message Message, PackageFullName Package, params object?[] Args)
    {
        public string Text => Message.Format(Args);
    }

    /// <summary>Every problem met, in order.</summary>
    public List<Problem> Problems { get; } = [];

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
                    Problems.Add(new Problem(Messages.BadDependencyMeta, full, full, $"{MetaPath(full)}: runtime dependency {error}"));
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
                else Problems.Add(new Problem(Messages.BadDependencyMeta, full, full, $"{MetaPath(full)}: split package {error}"));
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
            Problems.Add(new Problem(Messages.UnbuiltDependency, full, full,
                $"{(File.Exists(path) ? "its image" : path)} does not exist (build it first: dotnet build pkgs/{full.Name})"));
        }
        else
        {
            try
            {
                meta = Yaml.ReadMeta(path);
            }
            catch (Exception e) when (e is InvalidDataException or IOException)
            {
                Problems.Add(new Problem(Messages.BadDependencyMeta, full, full, e.Message));
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
