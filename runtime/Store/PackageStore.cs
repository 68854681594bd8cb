using Distri.Linux;
using Distri.Packages;

namespace Distri.Store;

/// <summary>
/// The store of a root: <c>&lt;root&gt;/roimg</c> holding <c>&lt;full&gt;.squashfs</c> and
/// <c>&lt;full&gt;.meta.yaml</c>, work files in <c>roimg/tmp</c> (same filesystem, so renames are
/// atomic). A package is visible exactly when its image exists: installs rename the meta first
/// and the image last, gc deletes in the opposite order.
/// </summary>
public sealed class PackageStore
{
    public const string StoreDirectoryName = "roimg";
    public const string WorkDirectoryName = "tmp";
    private const string LockFileName = ".lock";

    public PackageStore(string root)
    {
        Root = Path.GetFullPath(root);
        Directory = Path.Combine(Root, StoreDirectoryName);
        WorkDirectory = Path.Combine(Directory, WorkDirectoryName);
    }

    /// <summary>The root the store belongs to (<c>/</c> on a running system).</summary>
    public string Root { get; }

    /// <summary><c>&lt;root&gt;/roimg</c>.</summary>
    public string Directory { get; }

    /// <summary><c>&lt;root&gt;/roimg/tmp</c>: downloads in progress, never visible as packages.</summary>
    public string WorkDirectory { get; }

    public string ImagePath(PackageFullName name) => Path.Combine(Directory, StoreLayout.ImageFileName(name));

    public string MetaPath(PackageFullName name) => Path.Combine(Directory, StoreLayout.MetaFileName(name));

    public bool IsInstalled(PackageFullName name) => File.Exists(ImagePath(name));

    /// <summary>Installed packages: those whose image exists (a meta alone is an interrupted install).</summary>
    public IReadOnlyList<PackageFullName> Installed()
    {
        if (!System.IO.Directory.Exists(Directory)) return [];
        var result = new List<PackageFullName>();
        foreach (var path in System.IO.Directory.EnumerateFiles(Directory, "*" + StoreLayout.ImageExtension))
        {
            if (StoreLayout.TryParseImageFileName(Path.GetFileName(path), out var name)) result.Add(name);
        }
        result.Sort();
        return result;
    }

    /// <summary>Metas without an image: left by an install killed between the two renames.</summary>
    public IReadOnlyList<PackageFullName> OrphanMetas()
    {
        if (!System.IO.Directory.Exists(Directory)) return [];
        var result = new List<PackageFullName>();
        foreach (var path in System.IO.Directory.EnumerateFiles(Directory, "*" + StoreLayout.MetaExtension))
        {
            if (StoreLayout.TryParseMetaFileName(Path.GetFileName(path), out var name) && !IsInstalled(name)) result.Add(name);
        }
        return result;
    }

    public PackageMeta ReadMeta(PackageFullName name)
    {
        try
        {
            return Yaml.ReadMeta(MetaPath(name));
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            throw new StoreException($"cannot read the meta of installed package {name}: {e.Message}", e);
        }
    }

    /// <summary>
    /// Cheap re-verification of an installed package, without hashing: its meta reads and names
    /// it, and its image is a regular file of the size the meta records. After a power loss an
    /// image can sit empty under its final name (renames are not fsynced, by design); install and
    /// update re-fetch a package that fails this rather than trust it. Returns why, or null.
    /// </summary>
    public string? FindDamage(PackageFullName name)
    {
        PackageMeta meta;
        try
        {
            meta = Yaml.ReadMeta(MetaPath(name));
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            return $"its meta is unreadable: {e.Message}";
        }
        if (meta.FullName != name) return $"its meta describes {meta.FullName}";
        if (RegularFile.TryGetStatus(ImagePath(name)) is not { } image) return "its image is not a regular file";
        return image.Length == meta.ImageSize ? null : $"its image is {image.Length} bytes, its meta says {meta.ImageSize}";
    }

    /// <summary>
    /// Takes the store's lock (one writer at a time; the kernel releases it when a process dies,
    /// even by kill -9), then removes work files left by interrupted runs. Waits while another
    /// process holds it, telling <paramref name="waiting"/> once.
    /// </summary>
    public async Task<IDisposable> LockAsync(Action<string>? waiting = null, CancellationToken cancellationToken = default)
    {
        System.IO.Directory.CreateDirectory(WorkDirectory);
        var lockPath = Path.Combine(WorkDirectory, LockFileName);
        var handle = await FileLock.AcquireAsync(lockPath, () => waiting?.Invoke($"waiting for another distri process using {Directory}"), cancellationToken).ConfigureAwait(false);
        RemoveStaleWorkFiles(lockPath);
        return handle;
    }

    private void RemoveStaleWorkFiles(string lockPath)
    {
        foreach (var entry in new DirectoryInfo(WorkDirectory).EnumerateFileSystemInfos())
        {
            if (entry.FullName == lockPath) continue;
            if (entry is DirectoryInfo directory) directory.Delete(recursive: true);
            else entry.Delete();
        }
    }
}
