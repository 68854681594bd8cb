using System.Net;
using System.Net.Http.Headers;
using Distri.Export;
using Distri.Testing;
using Store.Tests.Fixtures;

namespace Store.Tests.Export;

[TestClass]
public sealed class RepositoryServerTests
{
    private static readonly HttpClient Client = new(new SocketsHttpHandler { AutomaticDecompression = DecompressionMethods.None });

    [TestMethod]
    public async Task CurlCompressedReceivesIdenticalBytesForEveryFile()
    {
        var curl = Requires.Tool("curl");
        using var temp = new TempDirectory("export");
        var repository = TestRepository.CreateStandard(temp["repo"]);
        Precompressor.Run(repository.PackageDirectory);
        await using var server = await RepositoryServer.StartAsync(repository.BasePath, new IPEndPoint(IPAddress.Loopback, 0));

        foreach (var file in new[] { "index.yaml", "zsh-amd64-5.9-2.squashfs", "zlib-amd64-1.3-1.meta.yaml" })
        {
            var output = temp["curl-" + file];
            ExternalTool.Check(curl, "--silent", "--fail", "--compressed", "-o", output, new Uri(server.BaseUri, "pkg/" + file).ToString());
            CollectionAssert.AreEqual(File.ReadAllBytes(Path.Combine(repository.PackageDirectory, file)), File.ReadAllBytes(output), file);
        }
    }

    [TestMethod]
    [DataRow("zstd", "zstd")]
    [DataRow("gzip", "gzip")]
    [DataRow("zstd;q=0, gzip", "gzip")]
    [DataRow("br", null)]
    public async Task TheContentEncodingComesFromAnAcceptedPrecompressedSibling(string acceptEncoding, string? expected)
    {
        using var temp = new TempDirectory("export");
        var repository = TestRepository.CreateStandard(temp["repo"]);
        Precompressor.Run(repository.PackageDirectory);
        await using var server = await RepositoryServer.StartAsync(repository.BasePath, new IPEndPoint(IPAddress.Loopback, 0));

        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(server.BaseUri, "pkg/bash-amd64-5.2-1.squashfs"));
        request.Headers.TryAddWithoutValidation("Accept-Encoding", acceptEncoding);
        using var response = await Client.SendAsync(request);

        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode);
        Assert.AreEqual(expected, response.Content.Headers.ContentEncoding.SingleOrDefault());
        Assert.AreEqual("application/octet-stream", response.Content.Headers.ContentType?.MediaType);
        CollectionAssert.Contains(response.Headers.Vary.ToList(), "Accept-Encoding");
    }

    [TestMethod]
    public async Task AStaleSiblingIsNotServed()
    {
        using var temp = new TempDirectory("export");
        var repository = TestRepository.CreateStandard(temp["repo"]);
        Precompressor.Run(repository.PackageDirectory);
        var image = repository.ImagePath("bash-amd64-5.2-1");
        File.SetLastWriteTimeUtc(image, DateTime.UtcNow.AddMinutes(1));
        await using var server = await RepositoryServer.StartAsync(repository.BasePath, new IPEndPoint(IPAddress.Loopback, 0));

        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(server.BaseUri, "pkg/bash-amd64-5.2-1.squashfs"));
        request.Headers.AcceptEncoding.ParseAdd("zstd");
        using var response = await Client.SendAsync(request);

        Assert.AreEqual(0, response.Content.Headers.ContentEncoding.Count);
        CollectionAssert.AreEqual(File.ReadAllBytes(image), await response.Content.ReadAsByteArrayAsync());
    }

    [TestMethod]
    public async Task RangeRequestsReturnPartialContentOfTheIdentityBytes()
    {
        using var temp = new TempDirectory("export");
        var repository = TestRepository.CreateStandard(temp["repo"]);
        Precompressor.Run(repository.PackageDirectory);
        await using var server = await RepositoryServer.StartAsync(repository.BasePath, new IPEndPoint(IPAddress.Loopback, 0));

        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(server.BaseUri, "pkg/zsh-amd64-5.9-2.squashfs"));
        request.Headers.Range = new RangeHeaderValue(100, 199);
        request.Headers.AcceptEncoding.ParseAdd("zstd");
        using var response = await Client.SendAsync(request);

        Assert.AreEqual(HttpStatusCode.PartialContent, response.StatusCode);
        CollectionAssert.AreEqual(File.ReadAllBytes(repository.ImagePath("zsh-amd64-5.9-2"))[100..200], await response.Content.ReadAsByteArrayAsync());
    }

    [TestMethod]
    public async Task ETagAndLastModifiedAnswerConditionalRequestsWithNotModified()
    {
        using var temp = new TempDirectory("export");
        var repository = TestRepository.CreateStandard(temp["repo"]);
        await using var server = await RepositoryServer.StartAsync(repository.BasePath, new IPEndPoint(IPAddress.Loopback, 0));
        var uri = new Uri(server.BaseUri, "pkg/zsh-amd64-5.9-2.meta.yaml");
        using var first = await Client.GetAsync(uri);
        Assert.IsNotNull(first.Headers.ETag);
        Assert.IsNotNull(first.Content.Headers.LastModified);

        using var byTag = new HttpRequestMessage(HttpMethod.Get, uri);
        byTag.Headers.IfNoneMatch.Add(first.Headers.ETag);
        using var byDate = new HttpRequestMessage(HttpMethod.Get, uri);
        byDate.Headers.IfModifiedSince = first.Content.Headers.LastModified;

        Assert.AreEqual(HttpStatusCode.NotModified, (await Client.SendAsync(byTag)).StatusCode);
        Assert.AreEqual(HttpStatusCode.NotModified, (await Client.SendAsync(byDate)).StatusCode);
    }

    [TestMethod]
    public async Task HeadReturnsTheLengthWithoutABody()
    {
        using var temp = new TempDirectory("export");
        var repository = TestRepository.CreateStandard(temp["repo"]);
        await using var server = await RepositoryServer.StartAsync(repository.BasePath, new IPEndPoint(IPAddress.Loopback, 0));

        using var response = await Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, new Uri(server.BaseUri, "pkg/bash-amd64-5.2-1.squashfs")));

        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode);
        Assert.AreEqual(new FileInfo(repository.ImagePath("bash-amd64-5.2-1")).Length, response.Content.Headers.ContentLength);
    }

    [TestMethod]
    [DataRow("/pkg/../../../../etc/passwd")]
    [DataRow("/pkg/%2e%2e/%2e%2e/%2e%2e/etc/passwd")]
    [DataRow("/pkg/..%2f..%2f..%2fetc%2fpasswd")]
    [DataRow("/pkg/%252e%252e%252fetc%252fpasswd")]
    [DataRow("/pkg/sub/../index.yaml.secret")]
    [DataRow("/pkg/.hidden")]
    [DataRow("/pkg/tmp/.lock")]
    [DataRow("/pkg/")]
    [DataRow("/etc/passwd")]
    [DataRow("/pkg/%00index.yaml")]
    [DataRow("/pkg/index.yaml%00.zst")]
    [DataRow("//etc/passwd")]
    public async Task HostileUrlsAreRefused(string path)
    {
        var curl = Requires.Tool("curl");
        using var temp = new TempDirectory("export");
        var repository = TestRepository.CreateStandard(temp["repo"]);
        File.WriteAllText(Path.Combine(repository.PackageDirectory, ".hidden"), "secret");
        Directory.CreateDirectory(Path.Combine(repository.PackageDirectory, "tmp"));
        File.WriteAllText(Path.Combine(repository.PackageDirectory, "tmp", ".lock"), "secret");
        File.WriteAllText(Path.Combine(temp.Path, "secret"), "secret");
        await using var server = await RepositoryServer.StartAsync(repository.BasePath, new IPEndPoint(IPAddress.Loopback, 0));

        // curl --path-as-is sends the path exactly as written, dot segments included.
        var status = ExternalTool.Check(curl, "--silent", "--path-as-is", "-o", "/dev/null", "-w", "%{http_code}", server.BaseUri.ToString().TrimEnd('/') + path);

        // Kestrel itself answers 400 to a NUL in the path; everything else reaches our router.
        Assert.IsTrue(status is "404" or "400", $"{path}: {status}");
    }

    [TestMethod]
    public async Task LastSyncMovesAndTheIndexIsRefreshedWhenTheRepositoryChanges()
    {
        using var temp = new TempDirectory("export");
        var repository = TestRepository.CreateStandard(temp["repo"]);
        foreach (var file in Directory.EnumerateFiles(repository.PackageDirectory)) File.SetLastWriteTimeUtc(file, new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        await using var server = await RepositoryServer.StartAsync(repository.BasePath, new IPEndPoint(IPAddress.Loopback, 0));
        var lastSync = new Uri(server.BaseUri, "_mirror/last-sync");
        Assert.AreEqual("1704067200\n", await Client.GetStringAsync(lastSync));

        repository.Add("new-amd64-1-1");
        var index = await Client.GetStringAsync(new Uri(server.BaseUri, "pkg/index.yaml"));

        StringAssert.Contains(index, "fullName: new-amd64-1-1");
        Assert.IsTrue(long.Parse(await Client.GetStringAsync(lastSync)) > 1704067200);
    }

    [TestMethod]
    public async Task OtherMethodsAreRejected()
    {
        using var temp = new TempDirectory("export");
        var repository = TestRepository.CreateStandard(temp["repo"]);
        await using var server = await RepositoryServer.StartAsync(repository.BasePath, new IPEndPoint(IPAddress.Loopback, 0));

        using var response = await Client.PutAsync(new Uri(server.BaseUri, "pkg/index.yaml"), new StringContent("x"));

        Assert.AreEqual(HttpStatusCode.MethodNotAllowed, response.StatusCode);
    }
}
