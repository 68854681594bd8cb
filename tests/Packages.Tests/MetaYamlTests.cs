using Distri.Linux;
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
        AtomicFile.WriteAllText(path, Yaml.Serialize(meta));

        var read = Yaml.ReadMeta(path);

        Assert.AreEqual(meta.FullName, read.FullName);
        CollectionAssert.AreEqual(meta.RuntimeDependencies, read.RuntimeDependencies);
        Assert.AreEqual("lib/zsh/modules", read.ExchangeDirectories.Single().Directory);
        Assert.AreEqual(42, read.ImageSize);
        Assert.AreEqual(1, Directory.GetFiles(dir.Path).Length, "the temp file must be renamed away");
    }

    [TestMethod]
    public void AMetaNamesItsSplitPartsAndDebugImageAndOneWithoutThemReadsAsNone()
    {
        using var dir = new TempDirectory("meta");
        var meta = new PackageMeta
        {
            Name = "ncurses", Version = "6.4", Revision = 1, ImageSha256 = new string('a', 64),
            SplitPackages = ["ncurses-dev-amd64-6.4-1"], DebugPackage = "ncurses-debug-amd64-6.4-1",
        };
        File.WriteAllText(dir["with.meta.yaml"], Yaml.Serialize(meta));
        File.WriteAllText(dir["without.meta.yaml"], "name: ncurses\nversion: '6.4'\nrevision: 1\nimageSha256: aa\n");

        CollectionAssert.AreEqual(new[] { "ncurses-dev-amd64-6.4-1", "ncurses-debug-amd64-6.4-1" }, Yaml.ReadMeta(dir["with.meta.yaml"]).Parts.ToList());
        var old = Yaml.ReadMeta(dir["without.meta.yaml"]);
        Assert.IsEmpty(old.Parts, "a meta written before split packages has none");
        Assert.IsNull(old.DebugPackage);
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
    public void AValueOfTheWrongTypeSaysWhyNotJustThatDeserializationFailed()
    {
        using var dir = new TempDirectory("meta");
        var path = dir["zsh-amd64-5.9-1.meta.yaml"];
        File.WriteAllText(path, "name: zsh\nversion: '5.9'\nrevision: many\n");
        var e = Assert.ThrowsExactly<InvalidDataException>(() => Yaml.ReadMeta(path));
        StringAssert.Contains(e.Message, $"{path}: malformed YAML at line 3: ");
        StringAssert.Contains(e.Message, "'many'");
    }

    [TestMethod]
    public void MetaWithHostileNameIsRejected()
    {
        using var dir = new TempDirectory("meta");
        var path = dir["x.meta.yaml"];
        File.WriteAllText(path, "name: ../../etc\nversion: '1'\nrevision: 1\n");
        Assert.ThrowsExactly<InvalidDataException>(() => Yaml.ReadMeta(path));
    }

    [TestMethod]
    [DataRow("runtimeDependencies: ~\n", "runtimeDependencies is null (~)")]
    [DataRow("runtimeDependencies: [~]\n", "runtimeDependencies[0] is null (~)")]
    [DataRow("exchangeDirectories: [{directory: lib, host: ~}]\n", "exchangeDirectories[0].host is null (~)")]
    [DataRow("imageSha256: ~\n", "imageSha256 is null (~)")]
    [DataRow("splitPackages: [~]\n", "splitPackages[0] is null (~)")]
    public void ANullWhereAValueBelongsNamesTheFileAndTheKey(string line, string expected)
    {
        using var dir = new TempDirectory("meta");
        var path = dir["zsh-amd64-5.9-1.meta.yaml"];
        File.WriteAllText(path, "name: zsh\nversion: '5.9'\nrevision: 1\n" + line);
        var e = Assert.ThrowsExactly<InvalidDataException>(() => Yaml.ReadMeta(path));
        Assert.AreEqual($"{path}: {expected}", e.Message);
    }

    [TestMethod]
    [DataRow("packages: ~\n", "packages is null (~)")]
    [DataRow("packages: [~]\n", "packages[0] is null (~)")]
    [DataRow("packages: [{fullName: a-amd64-1-1, runtimeDependencies: [~]}]\n", "packages[0].runtimeDependencies[0] is null (~)")]
    public void ANullInAnIndexNamesTheFileAndTheKey(string text, string expected)
    {
        using var dir = new TempDirectory("meta");
        var path = dir["index.yaml"];
        File.WriteAllText(path, text);
        var e = Assert.ThrowsExactly<InvalidDataException>(() => Yaml.ReadIndex(path));
        Assert.AreEqual($"{path}: {expected}", e.Message);
    }

    [TestMethod]
    public void AMetaLargerThanTheCapIsRefusedBeforeItIsParsed()
    {
        using var dir = new TempDirectory("meta");
        var path = dir["zsh-amd64-5.9-1.meta.yaml"];
        File.WriteAllText(path, "name: zsh\n# " + new string('x', PackageMeta.MaxFileBytes) + "\n");
        var e = Assert.ThrowsExactly<IOException>(() => Yaml.ReadMeta(path));
        StringAssert.Contains(e.Message, $"is more than the {PackageMeta.MaxFileBytes}");
    }

    [TestMethod]
    public void ASymlinkedMetaIsNotFollowed()
    {
        using var dir = new TempDirectory("meta");
        File.WriteAllText(dir["real.yaml"], "name: zsh\nversion: '5.9'\nrevision: 1\n");
        File.CreateSymbolicLink(dir["zsh-amd64-5.9-1.meta.yaml"], dir["real.yaml"]);
        var e = Assert.ThrowsExactly<IOException>(() => Yaml.ReadMeta(dir["zsh-amd64-5.9-1.meta.yaml"]));
        StringAssert.Contains(e.Message, "is a symbolic link");
    }
}
