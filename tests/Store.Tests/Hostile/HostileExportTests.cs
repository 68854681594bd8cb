using System.Net;
using Distri.Export;
using Distri.Testing;
using Store.Tests.Fixtures;

namespace Store.Tests.Hostile;

/// <summary>
/// Issue 10, items 8, 10, 13–15, and issue 12's zstd checks: a real <c>distri export</c>,
/// <c>distri index</c> and local <c>distri install</c> over a repository someone else can write to.
/// </summary>
[TestClass]
public sealed class HostileExportTests
{
    private static readonly HttpClient Client = new(new SocketsHttpHandler { AutomaticDecompression = DecompressionMethods.None });

    private static string MakeFifo(string path)
    {
        File.Delete(path);
        ExternalTool.Check("mkfifo", path);
        return path;
    }

    // Item 13: only regular files inside the repository are served.

    [TestMethod]
    [DataRow("secret.txt")]
    [DataRow("zzz-amd64-1-1.squashfs")]
    [DataRow("zzz-amd64-1-1.meta.yaml")]
    public async Task ASymlinkInThePackageDirectoryIsNotServed(string linkName)
    {
        using var temp = new TempDirectory("export-hostile");
        var repository = TestRepository.CreateStandard(temp["repo"]);
        File.WriteAllText(temp["shadow"], "root:secret-hash:19000:0:99999:7:::\n");
        File.CreateSymbolicLink(Path.Combine(repository.PackageDirectory, linkName), temp["shadow"]);
        File.WriteAllText(Path.Combine(repository.PackageDirectory, "notes.txt"), "a regular file\n");
        using var export = await DistriExport.StartAsync(repository.BasePath);

        using var linked = await Client.GetAsync(new Uri(export.BaseUri, "pkg/" + linkName));
        using var regular = await Client.GetAsync(new Uri(export.BaseUri, "pkg/notes.txt"));

        Assert.AreEqual(HttpStatusCode.NotFound, linked.StatusCode, await linked.Content.ReadAsStringAsync());
        Assert.AreEqual(HttpStatusCode.OK, regular.StatusCode, "a regular file beside it is still served");
    }

    [TestMethod]
    public async Task ASymlinkedPrecompressedSiblingIsNotServedInsteadOfTheImage()
    {
        using var temp = new TempDirectory("export-hostile");
        var repository = TestRepository.CreateStandard(temp["repo"]);
        var image = repository.ImagePath("bash-amd64-5.2-1");
        File.WriteAllBytes(temp["elsewhere.zst"], Compression.ZstdStreamTests.ZstdCli("secret"u8.ToArray(), "-c"));
        File.SetLastWriteTimeUtc(temp["elsewhere.zst"], File.GetLastWriteTimeUtc(image));
        File.CreateSymbolicLink(image + ".zst", temp["elsewhere.zst"]);
        using var export = await DistriExport.StartAsync(repository.BasePath);

        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(export.BaseUri, "pkg/bash-amd64-5.2-1.squashfs"));
        request.Headers.AcceptEncoding.ParseAdd("zstd");
        using var response = await Client.SendAsync(request);

        Assert.AreEqual(0, response.Content.Headers.ContentEncoding.Count);
        CollectionAssert.AreEqual(File.ReadAllBytes(image), await response.Content.ReadAsByteArrayAsync());
    }

    // Item 14: a fifo named like a package file blocks nothing.

    [TestMethod]
    public async Task AFifoNamedLikeAMetaNeitherBlocksExportNorEntersItsIndex()
    {
        using var temp = new TempDirectory("export-hostile");
        var repository = TestRepository.CreateStandard(temp["repo"]);
        File.Copy(repository.ImagePath("bash-amd64-5.2-1"), repository.ImagePath("fifo-amd64-1-1"));
        MakeFifo(repository.MetaPath("fifo-amd64-1-1"));
        File.Delete(Path.Combine(repository.PackageDirectory, "index.yaml"));

        using var export = await DistriExport.StartAsync(repository.BasePath);
        var index = await Client.GetStringAsync(new Uri(export.BaseUri, "pkg/index.yaml")).WaitAsync(TimeSpan.FromSeconds(30));
        using var fifo = await Client.GetAsync(new Uri(export.BaseUri, "pkg/fifo-amd64-1-1.meta.yaml")).WaitAsync(TimeSpan.FromSeconds(30));

        StringAssert.Contains(index, "fullName: zsh-amd64-5.9-2");
        Assert.IsFalse(index.Contains("fifo-amd64", StringComparison.Ordinal), index);
        Assert.AreEqual(HttpStatusCode.NotFound, fifo.StatusCode);
    }

    [TestMethod]
    public void IndexSkipsAFifoMetaNamingIt()
    {
        using var temp = new TempDirectory("export-hostile");
        var repository = TestRepository.CreateStandard(temp["repo"]);
        File.Copy(repository.ImagePath("bash-amd64-5.2-1"), repository.ImagePath("fifo-amd64-1-1"));
        var fifo = MakeFifo(repository.MetaPath("fifo-amd64-1-1"));

        var result = DistriCli.Run("index", repository.BasePath);

        Assert.AreEqual(0, result.ExitCode, result.StandardError);
        StringAssert.Contains(result.StandardError, $"distri index: skipped {fifo}: is a fifo, not a regular file");
        StringAssert.Contains(result.StandardOutput, "5 packages");
    }

    [TestMethod]
    public void ALocalInstallMeetingAFifoFailsThatPackageInsteadOfHanging()
    {
        using var temp = new TempDirectory("export-hostile");
        var repository = TestRepository.CreateStandard(temp["repo"]);
        var fifo = MakeFifo(repository.MetaPath("bash-amd64-5.2-1"));

        var result = DistriCli.Run("install", "--root", temp["root"], "--repo", repository.BasePath, "bash", "zsh");

        Assert.AreEqual(1, result.ExitCode, result.StandardOutput + result.StandardError);
        StringAssert.Contains(result.StandardError, $"distri install: bash-amd64-5.2-1: {fifo}: is a fifo, not a regular file");
        StringAssert.Contains(result.StandardOutput, "installed 3 packages");
    }

    [TestMethod]
    public void PrecompressSkipsAFifoImage()
    {
        using var temp = new TempDirectory("export-hostile");
        var repository = TestRepository.CreateStandard(temp["repo"]);
        MakeFifo(repository.ImagePath("fifo-amd64-1-1"));

        var output = DistriCli.Check("export", "--precompress", repository.BasePath);

        StringAssert.Contains(output, "wrote 22 precompressed files");
        Assert.IsFalse(File.Exists(repository.ImagePath("fifo-amd64-1-1") + ".zst"));
    }

    // Item 8, the index and export side: a null list in a meta is a skipped meta, named.

    [TestMethod]
    public async Task AMetaWithNullRuntimeDependenciesIsSkippedByIndexAndExportNamingIt()
    {
        using var temp = new TempDirectory("export-hostile");
        var repository = TestRepository.CreateStandard(temp["repo"]);
        var meta = repository.MetaPath("bash-amd64-5.2-1");
        File.WriteAllText(meta, File.ReadAllText(meta).Replace("runtimeDependencies: []", "runtimeDependencies: ~", StringComparison.Ordinal));

        var result = DistriCli.Run("index", repository.BasePath);
        using var export = await DistriExport.StartAsync(repository.BasePath);
        var index = await Client.GetStringAsync(new Uri(export.BaseUri, "pkg/index.yaml"));

        Assert.AreEqual(0, result.ExitCode, result.StandardError);
        StringAssert.Contains(result.StandardError, $"distri index: skipped {meta}: runtimeDependencies is null (~)");
        StringAssert.Contains(index, "fullName: zsh-amd64-5.9-2");
        Assert.IsFalse(index.Contains("bash-amd64", StringComparison.Ordinal), index);
    }

    // Item 10, the local side: a meta's size is checked before it is read.

    [TestMethod]
    public void AMetaOverOneMebibyteIsSkippedByIndexBeforeBeingRead()
    {
        using var temp = new TempDirectory("export-hostile");
        var repository = TestRepository.CreateStandard(temp["repo"]);
        var meta = repository.MetaPath("bash-amd64-5.2-1");
        File.AppendAllText(meta, "# " + new string('x', 2 << 20) + "\n");

        var result = DistriCli.Run("index", repository.BasePath);

        Assert.AreEqual(0, result.ExitCode, result.StandardError);
        StringAssert.Contains(result.StandardError, $"distri index: skipped {meta}: {new FileInfo(meta).Length} bytes is more than the 1048576 a file of this kind may have");
    }

    // Item 15: temporary files are created exclusively.

    [TestMethod]
    public void PrecompressNeverWritesThroughASymlinkPlantedAtItsTemporaryName()
    {
        using var temp = new TempDirectory("export-hostile");
        var repository = TestRepository.CreateStandard(temp["repo"]);
        File.WriteAllText(temp["victim"], "precious\n");
        // The names the old precompressor used: .{sibling}.{pid}.tmp, known in advance.
        foreach (var file in Directory.GetFiles(repository.PackageDirectory))
        {
            foreach (var extension in new[] { Precompressor.ZstdExtension, Precompressor.GzipExtension })
            {
                var planted = Path.Combine(repository.PackageDirectory, $".{Path.GetFileName(file)}{extension}.{Environment.ProcessId}.tmp");
                File.CreateSymbolicLink(planted, temp["victim"]);
            }
        }

        var written = Precompressor.Run(repository.PackageDirectory);

        Assert.AreEqual(22, written.Count);
        Assert.AreEqual("precious\n", File.ReadAllText(temp["victim"]));
    }

    // Issue 12: the managed encoder's output is ordinary zstd.

    [TestMethod]
    public void PrecompressedFilesDecodeWithTheZstdCli()
    {
        var zstd = Requires.Tool("zstd");
        using var temp = new TempDirectory("export-hostile");
        var repository = TestRepository.CreateStandard(temp["repo"]);

        DistriCli.Check("export", "--precompress", repository.BasePath);

        foreach (var compressed in Directory.GetFiles(repository.PackageDirectory, "*" + Precompressor.ZstdExtension))
        {
            var decoded = temp["decoded"];
            ExternalTool.Check(zstd, "-d", "-q", "-f", compressed, "-o", decoded);
            CollectionAssert.AreEqual(File.ReadAllBytes(compressed[..^Precompressor.ZstdExtension.Length]), File.ReadAllBytes(decoded), compressed);
        }
    }
}
