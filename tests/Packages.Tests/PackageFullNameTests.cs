using Distri.Packages;

namespace Distri.Packages.Tests;

[TestClass]
public sealed class PackageFullNameTests
{
    [TestMethod]
    public void ParsesNameArchVersionRevision()
    {
        var name = PackageFullName.Parse("zsh-amd64-5.9-1");
        Assert.AreEqual(new PackageFullName("zsh", "amd64", "5.9", 1), name);
        Assert.AreEqual("zsh-amd64-5.9-1", name.ToString());
    }

    [TestMethod]
    public void NamesMayContainDashes()
    {
        var name = PackageFullName.Parse("json-c-amd64-0.16-12");
        Assert.AreEqual("json-c", name.Name);
        Assert.AreEqual(12, name.Revision);
        Assert.AreEqual("json-c-amd64", name.NameAndArch);
    }

    [TestMethod]
    [DataRow("")]
    [DataRow("zsh")]
    [DataRow("zsh-amd64-5.9")]
    [DataRow("zsh-amd64-5.9-x")]
    [DataRow("zsh-amd64-5.9--1")]
    [DataRow("../x-amd64-1-1")]
    [DataRow("a/b-amd64-1-1")]
    [DataRow("zsh-amd64-5 9-1")]
    [DataRow(".hidden-amd64-1-1")]
    public void RejectsMalformedOrHostileNames(string text)
    {
        Assert.IsFalse(PackageFullName.TryParse(text, out _), $"'{text}' must not parse");
    }

    [TestMethod]
    [DataRow("hello-amd64-2.10-01")]
    [DataRow("hello-amd64-2.10-00")]
    [DataRow("hello-amd64-2.10-007")]
    public void RevisionsWithLeadingZerosAreRejectedSoEachPackageHasOneSpelling(string text)
    {
        Assert.IsFalse(PackageFullName.TryParse(text, out _, out var error), $"'{text}' must not parse");
        StringAssert.Contains(error, "leading zero");
    }

    [TestMethod]
    public void RevisionZeroParses()
    {
        Assert.AreEqual(0, PackageFullName.Parse("hello-amd64-2.10-0").Revision);
    }

    [TestMethod]
    public void RevisionsCompareAsNumbers()
    {
        Assert.IsTrue(PackageFullName.Parse("a-amd64-1-10").CompareTo(PackageFullName.Parse("a-amd64-1-9")) > 0);
    }

    [TestMethod]
    [DataRow("5.10", "5.9")]
    [DataRow("1.2.13", "1.2.9")]
    [DataRow("1.0a", "1.0")]
    public void VersionsCompareDigitRunsNumerically(string newer, string older)
    {
        Assert.IsTrue(VersionComparer.Compare(newer, older) > 0);
        Assert.IsTrue(VersionComparer.Compare(older, newer) < 0);
    }
}
