using System.IO.Compression;
using Distri.Tasks.Images;
using Distri.Testing;

namespace Sdk.Tests;

/// <summary>
/// The same inputs give the same input digest and the same image bytes in any checkout directory:
/// the digest holds nothing location-specific, and normalisation removes what differs between
/// builds (gzip header times and names, ar dates, .pyc times, the build directory's path).
/// </summary>
[TestClass]
public sealed class ReproducibilityTests
{
    [TestMethod]
    public void TheSamePackagesInTwoCheckoutsGiveEqualDigestsAndByteIdenticalImages()
    {
        using var first = new PackageFixture();
        using var second = new PackageFixture();
        // A man page gzipped with a time that differs on every build, and the build path in a text file.
        var tarball = first.MakeTinyTarball("base-1.0");
        first.WritePackage("base", $$"""
            <Project Sdk="Distri.Sdk">
              <PropertyGroup>
                <Version>1.0</Version>
                <Builder>custom</Builder>
              </PropertyGroup>
              <ItemGroup>
                <Source Include="file://$(MSBuildThisFileDirectory)base-1.0.tar.gz" Sha256="{{PackageFixture.Sha256(tarball)}}" />
                <BuildStep Include="install" Command="mkdir -p $(DistriDestDir)$(DistriPrefix)/share/man/man1 &amp;&amp; echo '.TH BASE 1' > base.1 &amp;&amp; touch -d @$$ base.1 &amp;&amp; gzip -9 base.1 &amp;&amp; cp base.1.gz $(DistriDestDir)$(DistriPrefix)/share/man/man1/ &amp;&amp; echo &quot;built in $PWD&quot; > $(DistriDestDir)$(DistriPrefix)/share/where.txt" />
              </ItemGroup>
            </Project>
            """);
        File.Copy(tarball, first["pkgs/base/base-1.0.tar.gz"]);
        first.WritePackage("top", first.TinyPackage("top", """<Dependency Include="base" />"""));
        // The clone: the same files in another directory.
        ExternalTool.Check("cp", "-a", first["pkgs"], second.Root);

        foreach (var f in new[] { first, second })
        {
            var result = f.Build(f["pkgs/top/top.distpkg"]);
            Assert.AreEqual(0, result.ExitCode, result.StandardOutput);
        }

        foreach (var full in new[] { "base-amd64-1.0-1", "top-amd64-1.0-1" })
        {
            Assert.AreEqual(File.ReadAllText(Path.Combine(first.Artifacts, "build", full, "inputs.digest")),
                File.ReadAllText(Path.Combine(second.Artifacts, "build", full, "inputs.digest")), $"{full}: input digests differ between checkouts");
            Assert.AreEqual(PackageFixture.Sha256(Path.Combine(first.Repository, full + ".squashfs")),
                PackageFixture.Sha256(Path.Combine(second.Repository, full + ".squashfs")), $"{full}: images differ between checkouts");
        }
    }

    [TestMethod]
    public void GzipHeadersLoseTheirTimeAndNameAndStillDecompress()
    {
        using var temp = new TempDirectory("gzip");
        byte[] Gzipped(long time)
        {
            var file = temp["page.1"];
            File.WriteAllText(file, ".TH PAGE 1\n");
            File.SetLastWriteTimeUtc(file, DateTime.UnixEpoch.AddSeconds(time));
            ExternalTool.Check("gzip", "-9", "-f", file);
            var bytes = File.ReadAllBytes(file + ".gz");
            File.Delete(file + ".gz");
            return bytes;
        }
        var (a, b) = (Gzipped(1_000_000), Gzipped(2_000_000));
        Assert.IsFalse(a.AsSpan().SequenceEqual(b), "gzip stored neither time nor name: the fixture proves nothing");

        var (na, nb) = (Nondeterminism.Gzip(a)!, Nondeterminism.Gzip(b)!);

        CollectionAssert.AreEqual(na, nb);
        using var decompressed = new StreamReader(new GZipStream(new MemoryStream(na), CompressionMode.Decompress));
        Assert.AreEqual(".TH PAGE 1\n", decompressed.ReadToEnd());
        Assert.IsNull(Nondeterminism.Gzip(na), "normalising twice changed something");
    }

    [TestMethod]
    public void ArMembersLoseTheirDates()
    {
        using var temp = new TempDirectory("ar");
        byte[] Archive(long time)
        {
            File.WriteAllText(temp["a.o"], "object");
            File.SetLastWriteTimeUtc(temp["a.o"], DateTime.UnixEpoch.AddSeconds(time));
            File.Delete(temp["lib.a"]);
            ExternalTool.Check("ar", "rcU", temp["lib.a"], temp["a.o"]);
            return File.ReadAllBytes(temp["lib.a"]);
        }
        var (a, b) = (Archive(1_000_000), Archive(2_000_000));

        CollectionAssert.AreEqual(Nondeterminism.Ar(a), Nondeterminism.Ar(b));
    }

    [TestMethod]
    public void PycFilesRecordTheImageTimeAsTheirSourceTime()
    {
        var pyc = new byte[] { 0xa7, 0x0d, 0x0d, 0x0a, 0, 0, 0, 0, 0x12, 0x34, 0x56, 0x78, 5, 0, 0, 0, 0xe3 };

        var normalised = Nondeterminism.Pyc(pyc, 0)!;

        CollectionAssert.AreEqual(new byte[] { 0, 0, 0, 0 }, normalised[8..12]);
        CollectionAssert.AreEqual(pyc[12..], normalised[12..]);
    }

    [TestMethod]
    public void TheBuildPathIsReplacedInTextFilesOnly()
    {
        (byte[], byte[])[] paths = [("/tmp/x/build/p-1/"u8.ToArray(), "/build/p-1/"u8.ToArray())];

        CollectionAssert.AreEqual("prefix /build/p-1/src\n"u8.ToArray(), Nondeterminism.BuildPaths("prefix /tmp/x/build/p-1/src\n"u8.ToArray(), paths));
        Assert.IsNull(Nondeterminism.BuildPaths("\0ELF /tmp/x/build/p-1/src"u8.ToArray(), paths), "a binary was rewritten");
    }
}
