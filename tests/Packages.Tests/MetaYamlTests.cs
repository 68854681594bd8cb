using Distri.Packages;
using Distri.Testing;

namespace Distri.Packages.Tests;

[TestClass]
public sealed class MetaYamlTests
{
    [TestMethod]
    public void MetaRoundTripsThroughYaml()
    {
        using var dir = new TempDirectory("meta");
        var meta = new PackageMeta
        {
            Name = "zsh", Version = "5.9", Revision = 1, SourcePackage = "zsh",
            RuntimeDependencies = ["ncurses-amd64-6.4-1"],
            SystemRequirements = ["libc.so.6"],
            ExchangeDirectories = [new ExchangeDirectory { Directory = "lib/zsh/modules", Host = "zsh" }],
            ImageSha256 = new string('a', 64), ImageSize = 42,
        };
        var path = dir["zsh-amd64-5.9-1.meta.yaml"];
        Yaml.WriteAtomically(path, Yaml.Serialize(meta));

        var read = Yaml.ReadMeta(path);

        Assert.AreEqual(meta.FullName, read.FullName);
        CollectionAssert.AreEqual(meta.RuntimeDependencies, read.RuntimeDependencies);
        Assert.AreEqual("lib/zsh/modules", read.ExchangeDirectories.Single().Directory);
        Assert.AreEqual(42, read.ImageSize);
        Assert.AreEqual(1, Directory.GetFiles(dir.Path).Length, "the temp file must be renamed away");
    }

    [TestMethod]
    public void MalformedYamlNamesTheFileAndLine()
    {
        using var dir = new TempDirectory("meta");
        var path = dir["bad.meta.yaml"];
        File.WriteAllText(path, "name: zsh\nruntimeDependencies: [unclosed\n");
        var e = Assert.ThrowsExactly<InvalidDataException>(() => Yaml.ReadMeta(path));
        StringAssert.Contains(e.Message, path);
    }

    [TestMethod]
    public void MetaWithHostileNameIsRejected()
    {
        using var dir = new TempDirectory("meta");
        var path = dir["x.meta.yaml"];
        File.WriteAllText(path, "name: ../../etc\nversion: '1'\nrevision: 1\n");
        Assert.ThrowsExactly<InvalidDataException>(() => Yaml.ReadMeta(path));
    }
}
