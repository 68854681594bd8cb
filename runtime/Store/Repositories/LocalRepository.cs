using Distri.Linux;
using Distri.Packages;

namespace Distri.Store.Repositories;

/// <summary>A repository on a local (or network-mounted) filesystem.</summary>
public sealed class LocalRepository(string basePath) : Repository
{
    public override string Location { get; } = basePath;

    public string PackageDirectory { get; } = Path.Combine(Path.GetFullPath(basePath), PackageDirectoryName);

    public override Task<RepositoryIndex> ReadIndexAsync(CancellationToken cancellationToken)
    {
        if (!Directory.Exists(PackageDirectory))
        {
            throw new StoreException($"repository {Location}: {PackageDirectory} does not exist");
        }
        var indexPath = Path.Combine(PackageDirectory, RepositoryIndex.FileName);
        try
        {
            return Task.FromResult(File.Exists(indexPath)
                ? Yaml.ReadIndex(indexPath)
                : RepositoryIndexBuilder.Build(PackageDirectory).Index);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            throw new StoreException($"repository {Location}: {e.Message}", e);
        }
    }

    public override Task<Stream> OpenAsync(string fileName, CancellationToken cancellationToken)
    {
        var path = Path.Combine(PackageDirectory, fileName);
        try
        {
            // A fifo or a symlink under a package's name must not hang or redirect the install.
            return Task.FromResult<Stream>(RegularFile.OpenRead(path));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StoreException(e.Message.Contains(path, StringComparison.Ordinal) ? e.Message : $"{path}: {e.Message}", e);
        }
    }
}
