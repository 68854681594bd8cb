using System.Security.Cryptography;
using Distri.Linux;

namespace Distri.Packages;

/// <summary>
/// Builds a repository index from the metas in a <c>pkg/</c> directory: the index is derived data,
/// so a store stays just a directory. A package counts when both its meta and its image exist
/// (images are published last) and the image's length matches the meta; anything else is skipped
/// and reported, never guessed at. Metas and images must be regular files (see <see cref="RegularFile"/>).
/// </summary>
public static class RepositoryIndexBuilder
{
    public sealed record Result(RepositoryIndex Index, IReadOnlyList<string> Skipped);

    public static Result Build(string packageDirectory)
    {
        var entries = new List<RepositoryIndexEntry>();
        var skipped = new List<string>();
        foreach (var metaPath in Directory.EnumerateFiles(packageDirectory, "*" + StoreLayout.MetaExtension))
        {
            var fileName = Path.GetFileName(metaPath);
            if (!StoreLayout.TryParseMetaFileName(fileName, out var name))
            {
                skipped.Add($"{fileName}: not a package meta file name");
                continue;
            }
            // Only regular files count: a symlink or fifo under a package's name is not one.
            var imagePath = Path.Combine(packageDirectory, StoreLayout.ImageFileName(name));
            if (RegularFile.TryGetStatus(imagePath) is not { } image)
            {
                skipped.Add($"{fileName}: its image {StoreLayout.ImageFileName(name)} is missing or not a regular file");
                continue;
            }
            PackageMeta meta;
            byte[] metaBytes;
            try
            {
                metaBytes = RegularFile.ReadAllBytes(metaPath, PackageMeta.MaxFileBytes);
                meta = Yaml.ParseMeta(metaBytes, metaPath);
            }
            catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
            {
                skipped.Add(e.Message);
                continue;
            }
            if (meta.FullName != name)
            {
                skipped.Add($"{fileName}: describes {meta.FullName}, not {name}");
                continue;
            }
            if (meta.ImageSize != image.Length)
            {
                skipped.Add($"{fileName}: image is {image.Length} bytes, the meta says {meta.ImageSize}");
                continue;
            }
            entries.Add(new RepositoryIndexEntry
            {
                FullName = name.ToString(),
                Name = name.Name,
                Arch = name.Arch,
                Version = name.Version,
                Revision = name.Revision,
                ImageSize = meta.ImageSize,
                ImageSha256 = meta.ImageSha256,
                MetaSize = metaBytes.Length,
                MetaSha256 = Convert.ToHexStringLower(SHA256.HashData(metaBytes)),
                RuntimeDependencies = [.. meta.RuntimeDependencies],
            });
        }
        // Stable order: the same directory always gives a byte-identical index.
        entries.Sort((a, b) => PackageFullName.Parse(a.FullName).CompareTo(PackageFullName.Parse(b.FullName)));
        return new Result(new RepositoryIndex { Packages = entries }, skipped);
    }

    /// <summary>Builds the index and writes it atomically as <c>index.yaml</c> in the directory.</summary>
    public static Result Write(string packageDirectory)
    {
        var result = Build(packageDirectory);
        AtomicFile.WriteAllText(Path.Combine(packageDirectory, RepositoryIndex.FileName), Yaml.Serialize(result.Index));
        return result;
    }
}
