using Distri.Testing;

namespace Distri.Packages.Tests;

[TestClass]
public sealed class PackageDefinitionTests
{
    private const string Definition = """
        <Project Sdk="Distri.Sdk">
          <PropertyGroup>
            <Version>1.0</Version>
          </PropertyGroup>
          <ItemGroup>
            <Dependency Include="ncurses" />
            <RuntimeDependency Include="zlib;bzip2" />
          </ItemGroup>
        </Project>
        """;

    [TestMethod]
    public void ReadGivesTheNameFromTheFileAndEveryDependencyOnce()
    {
        using var temp = new TempDirectory("definition");
        File.WriteAllText(temp["zsh.distpkg"], Definition);

        var definition = PackageDefinition.Read(temp["zsh.distpkg"]);

        Assert.AreEqual("zsh", definition.Name);
        Assert.AreEqual(1, definition.Revision);
        CollectionAssert.AreEqual(new[] { "ncurses", "zlib", "bzip2" }, definition.Dependencies.ToArray());
    }

    [TestMethod]
    public void ReadGivesEveryPropertyAsWrittenAndTheNameAndRevisionFromThem()
    {
        using var temp = new TempDirectory("definition");
        // Elements written back to back (no whitespace between them) are each read.
        File.WriteAllText(temp["x.distpkg"], """
            <Project Sdk="Distri.Sdk">
              <PropertyGroup><PackageName>zsh</PackageName><Revision>3</Revision></PropertyGroup>
              <PropertyGroup>
                <Flags>--prefix=$(DistriPrefix)</Flags>
              </PropertyGroup>
            </Project>
            """);

        var definition = PackageDefinition.Read(temp["x.distpkg"]);

        Assert.AreEqual("zsh", definition.Name);
        Assert.AreEqual(3, definition.Revision);
        CollectionAssert.AreEqual(new[] { "PackageName=zsh", "Revision=3", "Flags=--prefix=$(DistriPrefix)" },
            definition.Properties.Select(p => $"{p.Key}={p.Value}").ToArray());
    }

    [TestMethod]
    public void FindLineIsWhereTheElementWithThatIncludeIsWritten()
    {
        using var temp = new TempDirectory("definition");
        File.WriteAllText(temp["zsh.distpkg"], Definition);

        Assert.AreEqual(1, PackageDefinition.FindLine(temp["zsh.distpkg"], null), "the Project element");
        Assert.AreEqual(3, PackageDefinition.FindLine(temp["zsh.distpkg"], "Version"));
        Assert.AreEqual(6, PackageDefinition.FindLine(temp["zsh.distpkg"], "Dependency", "ncurses"));
        Assert.AreEqual(0, PackageDefinition.FindLine(temp["zsh.distpkg"], "Dependency", "zlib"), "zlib is a RuntimeDependency");
        Assert.AreEqual(0, PackageDefinition.FindLine(temp["missing.distpkg"], "Version"), "no file: no line");
    }

    [TestMethod]
    public void AMalformedDefinitionIsInvalidDataNamingTheFile()
    {
        using var temp = new TempDirectory("definition");
        File.WriteAllText(temp["bad.distpkg"], "<Project><ItemGroup>");

        var e = Assert.ThrowsExactly<InvalidDataException>(() => PackageDefinition.Read(temp["bad.distpkg"]));
        StringAssert.StartsWith(e.Message, temp["bad.distpkg"]);
    }
}
