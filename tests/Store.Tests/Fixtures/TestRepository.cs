using System.Security.Cryptography;
using Distri.Packages;
using Distri.SquashFs;
using Distri.Testing;

namespace Store.Tests.Fixtures;

/// <summary>
/// A repository made in a test: real SquashFS images (mksquashfs of a small generated tree with
/// <c>out/</c> and <c>etc/</c>, or our own writer of a tree the test makes) and metas as the build writes them, in <c>&lt;base&gt;/pkg/</c>.
/// </summary>
public sealed class TestRepository
{
    public TestRepository(string basePath)
    {
        BasePath = basePath;
        PackageDirectory = Directory.CreateDirectory(Path.Combine(basePath, "pkg")).FullName;
    }

    public string BasePath { get; }
    public string PackageDirectory { get; }

    public string ImagePath(string fullName) => Path.Combine(PackageDirectory, fullName + StoreLayout.ImageExtension);
    public string MetaPath(string fullName) => Path.Combine(PackageDirectory, fullName + StoreLayout.MetaExtension);

    /// <summary>Adds a package whose image holds <paramref name="payloadBytes"/> of incompressible data (seeded by its name).</summary>
    public PackageMeta Add(string fullName, int payloadBytes = 1000, params string[] runtimeDependencies) =>
        AddCustom(fullName, payloadBytes, runtimeDependencies);

    /// <summary>
    /// <see cref="Add"/> with hooks: <paramref name="tree"/> may change the tree before mksquashfs
    /// (given <paramref name="mksquashfsOptions"/> too), <paramref name="image"/> may patch the image
    /// before its meta records size and sha256.
    /// </summary>
    public PackageMeta AddCustom(string fullName, int payloadBytes = 1000, string[]? runtimeDependencies = null,
        Action<string>? tree = null, Action<string>? image = null, params string[] mksquashfsOptions)
    {
        var name = PackageFullName.Parse(fullName);
        var mksquashfs = Requires.Tool("mksquashfs");
        var treePath = Directory.CreateTempSubdirectory("distri-tree-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(treePath, "out", "bin"));
            Directory.CreateDirectory(Path.Combine(treePath, "etc", name.Name));
            var payload = new byte[payloadBytes];
            new Random(StringComparer.Ordinal.GetHashCode(fullName) ^ payloadBytes).NextBytes(payload);
            File.WriteAllBytes(Path.Combine(treePath, "out", "bin", name.Name), payload);
            File.WriteAllText(Path.Combine(treePath, "etc", name.Name, "config"), $"# {fullName}\n");
            tree?.Invoke(treePath);
            ExternalTool.Check(mksquashfs, [treePath, ImagePath(fullName), "-noappend", "-quiet", "-no-progress", "-all-root", "-mkfs-time", "0", "-all-time", "0", .. mksquashfsOptions]);
        }
        finally
        {
            Directory.Delete(treePath, recursive: true);
        }
        image?.Invoke(ImagePath(fullName));
        return WriteMeta(name, runtimeDependencies ?? [], []);
    }

    /// <summary>
    /// Adds a package whose image our own writer (<see cref="SquashFsWriter"/>, as the SDK uses it)
    /// makes from the tree <paramref name="tree"/> fills with <c>out/</c> and <c>etc/</c>.
    /// </summary>
    public PackageMeta AddTree(string fullName, Action<string> tree, string[] runtimeDependencies, params ExchangeDirectory[] exchangeDirectories)
    {
        var treePath = Directory.CreateTempSubdirectory("distri-tree-").FullName;
        try
        {
            tree(treePath);
            SquashFsWriter.Write(treePath, ImagePath(fullName), new SquashFsWriterOptions { BlockSize = 4096, Mtime = 0, ImageTime = 0, Uid = 0, Gid = 0 });
        }
        finally
        {
            Directory.Delete(treePath, recursive: true);
        }
        return WriteMeta(PackageFullName.Parse(fullName), runtimeDependencies, exchangeDirectories);
    }

    /// <summary>Writes the meta of an image already in place, recording its size and sha256.</summary>
    private PackageMeta WriteMeta(PackageFullName name, string[] runtimeDependencies, ExchangeDirectory[] exchangeDirectories)
    {
        var bytes = File.ReadAllBytes(ImagePath(name.ToString()));
        var meta = new PackageMeta
        {
            Name = name.Name,
            Arch = name.Arch,
            Version = name.Version,
            Revision = name.Revision,
            RuntimeDependencies = [.. runtimeDependencies.Order(StringComparer.Ordinal)],
            ExchangeDirectories = [.. exchangeDirectories],
            ImageSha256 = Convert.ToHexStringLower(SHA256.HashData(bytes)),
            ImageSize = bytes.Length,
        };
        File.WriteAllText(MetaPath(name.ToString()), Yaml.Serialize(meta));
        return meta;
    }

    public RepositoryIndex WriteIndex() => RepositoryIndexBuilder.Write(PackageDirectory).Index;

    /// <summary>The standard small closure: zsh needs ncurses and zlib, two zsh revisions.</summary>
    public static TestRepository CreateStandard(string basePath)
    {
        var repository = new TestRepository(basePath);
        repository.Add("zlib-amd64-1.3-1");
        repository.Add("ncurses-amd64-6.4-1", 2000, "zlib-amd64-1.3-1");
        repository.Add("zsh-amd64-5.8-1", 3000, "ncurses-amd64-6.4-1", "zlib-amd64-1.3-1");
        repository.Add("zsh-amd64-5.9-2", 3000, "ncurses-amd64-6.4-1", "zlib-amd64-1.3-1");
        repository.Add("bash-amd64-5.2-1", 1500);
        repository.WriteIndex();
        return repository;
    }
}
