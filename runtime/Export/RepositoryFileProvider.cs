using Distri.Linux;
using Distri.Packages;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Primitives;

namespace Distri.Export;

/// <summary>
/// The files <c>distri export</c> may serve: regular files directly in the package directory,
/// never through a symlink (ASP.NET's <c>PhysicalFileProvider</c> follows them, so a link to
/// <c>/etc/shadow</c> would be served), never a fifo or device. Checked on the path when the
/// response is planned and again on the open handle (<see cref="RegularFile"/>).
/// </summary>
internal sealed class RepositoryFileProvider(string packageDirectory) : IFileProvider
{
    public IFileInfo GetFileInfo(string subpath)
    {
        var name = subpath.TrimStart('/');
        if (name.Length == 0 || name.Contains('/')) return new NotFoundFileInfo(name);
        var path = Path.Combine(packageDirectory, name);
        return RegularFile.TryGetStatus(path) is { } status ? new RepositoryFileInfo(path, name, status) : new NotFoundFileInfo(name);
    }

    public IDirectoryContents GetDirectoryContents(string subpath) => NotFoundDirectoryContents.Singleton;

    public IChangeToken Watch(string filter) => NullChangeToken.Singleton;

    private sealed class RepositoryFileInfo(string path, string name, RegularFile.Status status) : IFileInfo
    {
        public bool Exists => true;
        public long Length => status.Length;
        // No physical path: the server would open it by name (following links); it reads CreateReadStream instead.
        public string? PhysicalPath => null;
        public string Name => name;
        public DateTimeOffset LastModified => new(status.LastWriteTimeUtc);
        public bool IsDirectory => false;
        public Stream CreateReadStream() => RegularFile.OpenRead(path);
    }
}
