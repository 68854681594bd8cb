using Distri.Packages;
using Distri.Testing;

namespace Distri.Packages.Tests;

[TestClass]
public sealed class RepositoryIndexBuilderTests
{
    private static void AddPackage(string dir, string fullName, byte[] image, params string[] deps)
    {
        var name = PackageFullName.Parse(fullName);
        File.WriteAllBytes(Path.Combine(dir, StoreLayout.ImageFileName(name)), image);
        var meta = new PackageMeta
        {
            Name = name.Name, Arch = name.Arch, Version = name.Version, Revision = name.Revision,
            RuntimeDependencies = [.. deps],
            ImageSize = image.Length,
            ImageSha256 = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(image)),
        };
        File.WriteAllText(Path.Combine(dir, StoreLayout.MetaFileName(name)), Yaml.Serialize(meta));
    }

    [TestMethod]
    public void IndexListsEveryCompletePackageInStableOrder()
    {
        using var dir = new TempDirectory("index");
        AddPackage(dir.Path, "zsh-amd64-5.9-1", [1, 2, 3], "ncurses-amd64-6.4-1");
        AddPackage(dir.Path, "ncurses-amd64-6.4-1", [4, 5]);
        AddPackage(dir.Path, "ncurses-amd64-6.4-10", [6]);

        var result = RepositoryIndexBuilder.Write(dir.Path);
        var index = Yaml.ReadIndex(Path.Combine(dir.Path, RepositoryIndex.FileName));

        CollectionAssert.AreEqual(new[] { "ncurses-amd64-6.4-1", "ncurses-amd64-6.4-10", "zsh-amd64-5.9-1" },
            index.Packages.Select(p => p.FullName).ToArray());
        Assert.AreEqual(0, result.Skipped.Count);
        CollectionAssert.AreEqual(new[] { "ncurses-amd64-6.4-1" }, index.Packages[2].RuntimeDependencies);
        Assert.AreEqual(64, index.Packages[0].MetaSha256.Length);
    }

    [TestMethod]
    public void MetaWithoutImageOrWithWrongSizeIsSkippedAndReported()
    {
        using var dir = new TempDirectory("index");
        AddPackage(dir.Path, "a-amd64-1-1", [1]);
        AddPackage(dir.Path, "b-amd64-1-1", [1, 2]);
        File.Delete(Path.Combine(dir.Path, "a-amd64-1-1.squashfs"));
        File.WriteAllBytes(Path.Combine(dir.Path, "b-amd64-1-1.squashfs"), [1]);

        var result = RepositoryIndexBuilder.Build(dir.Path);

        Assert.AreEqual(0, result.Index.Packages.Count);
        Assert.AreEqual(2, result.Skipped.Count);
    }
}
