using Distri.Packages;
using Distri.Tasks.Images;
using Distri.Testing;

namespace Sdk.Tests;

/// <summary>Which image of a split package each installed file goes into (the patterns of &lt;Split Paths="…"&gt;).</summary>
[TestClass]
public sealed class SplitLayoutTests
{
    private static readonly PackageFullName Main = PackageFullName.Parse("lib-amd64-1.0-2");
    private static readonly PackageFullName Dev = PackageFullName.Parse("lib-dev-amd64-1.0-2");
    private static readonly PackageFullName Doc = PackageFullName.Parse("lib-doc-amd64-1.0-2");

    private static SplitLayout Layout(params (PackageFullName, string[])[] splits) =>
        new(Main, splits.Select(s => (s.Item1, (IEnumerable<string>)s.Item2)));

    [TestMethod]
    [DataRow("out/include/**", "out/include/lib.h", true)]
    [DataRow("out/include/**", "out/include/sub/deeper/x.h", true)]
    [DataRow("out/include/**", "out/includes/lib.h", false)]
    [DataRow("out/lib/*.a", "out/lib/libx.a", true)]
    [DataRow("out/lib/*.a", "out/lib/static/libx.a", false)]
    [DataRow("out/**/*.pc", "out/lib/pkgconfig/x.pc", true)]
    [DataRow("out/**/*.pc", "out/x.pc", true)]
    [DataRow("out/lib/lib?.so", "out/lib/libx.so", true)]
    [DataRow("out/share/doc", "out/share/doc/lib/README", true)]
    [DataRow("out/share/doc", "out/share/docs/README", false)]
    public void PatternsClaimWhatTheyMatchAndEverythingBelowAMatchedDirectory(string pattern, string path, bool claimed)
    {
        Assert.AreEqual(claimed ? Dev : Main, Layout((Dev, [pattern])).OwnerOf(path), $"{pattern} vs {path}");
    }

    [TestMethod]
    public void TheFirstSplitListedWinsAFileTwoPatternsMatch()
    {
        var layout = Layout((Dev, ["out/share/man/man3/**"]), (Doc, ["out/share/**"]));
        Assert.AreEqual(Dev, layout.OwnerOf("out/share/man/man3/x.3"));
        Assert.AreEqual(Doc, layout.OwnerOf("out/share/man/man1/x.1"));
    }

    [TestMethod]
    public void TheMainImageKeepsEveryDirectoryAndAPartOnlyItsOwnEntries()
    {
        var layout = Layout((Dev, ["out/include/**"]));
        Assert.IsTrue(layout.Includes(Main, "out/include", isDirectory: true), "the directory stays, for the part's files to join");
        Assert.IsFalse(layout.Includes(Main, "out/include/lib.h", isDirectory: false));
        Assert.IsTrue(layout.Includes(Dev, "out/include/lib.h", isDirectory: false));
        Assert.IsFalse(layout.Includes(Dev, "out/lib/libx.so.1", isDirectory: false));
        Assert.IsFalse(layout.Includes(Dev, "out/lib", isDirectory: true), "a directory goes into a part only with something of the part below it");
    }

    [TestMethod]
    public void APartJoinsEachDirectoryHoldingItsFilesBelowOut()
    {
        using var temp = new TempDirectory("split-layout");
        foreach (var file in new[] { "out/include/lib.h", "out/include/sub/x.h", "out/lib/pkgconfig/lib.pc", "out/lib/libx.so.1", "out/top.h", "etc/lib.conf" })
        {
            Directory.CreateDirectory(Path.GetDirectoryName(temp[file])!);
            File.WriteAllText(temp[file], "");
        }
        File.CreateSymbolicLink(temp["out/include/alias.h"], "lib.h");

        var layout = Layout((Dev, ["out/include/**", "out/lib/pkgconfig/**", "out/top.h", "etc/**"]));

        CollectionAssert.AreEqual(new[] { "include", "include/sub", "lib/pkgconfig" }, layout.Joins(temp.Path, Dev).ToList(),
            "out/ itself and etc/ are no exchange directories");
        Assert.AreEqual(6, layout.CountFiles(temp.Path, Dev), "files and links, never directories");
        Assert.IsEmpty(layout.Joins(temp.Path, Main));
    }

    [TestMethod]
    [DataRow("/out/include/**")]
    [DataRow("out/../etc/**")]
    [DataRow("out//include")]
    [DataRow("")]
    public void AbsoluteEmptyOrClimbingPatternsAreRefused(string pattern)
    {
        Assert.IsNotNull(SplitLayout.Invalid(pattern));
    }
}
