using System.Net;
using System.Net.Sockets;
using System.Xml.Linq;
using Distri.Cli.Scaffold;
using Distri.Testing;

namespace Sdk.Tests;

/// <summary>
/// `distri new`: the builder read from a tarball's listing, and the definition it writes, built as
/// written with `dotnet build` from tiny tarballs of each kind made here.
/// </summary>
[TestClass]
public sealed class NewPackageTests
{
    [TestMethod]
    [DataRow("autotools", "configure", null, new[] { "tiny-1.0/", "tiny-1.0/configure", "tiny-1.0/Makefile.in", "tiny-1.0/CMakeLists.txt" })]
    [DataRow("cmake", "CMakeLists.txt", null, new[] { "tiny-1.0/", "tiny-1.0/CMakeLists.txt", "tiny-1.0/src/main.c" })]
    [DataRow("meson", "meson.build", null, new[] { "./tiny-1.0/meson.build", "./tiny-1.0/meson_options.txt" })]
    [DataRow("python", "pyproject.toml", null, new[] { "tiny-1.0/pyproject.toml", "tiny-1.0/tiny/__init__.py" })]
    [DataRow("python", "setup.py", null, new[] { "tiny-1.0/setup.py" })]
    [DataRow("perl", "Makefile.PL", null, new[] { "Tiny-1.0/Makefile.PL", "Tiny-1.0/lib/Tiny.pm" })]
    [DataRow("perl", "Build.PL", null, new[] { "Tiny-1.0/Build.PL" })]
    [DataRow("custom", null, null, new[] { "tiny-1.0/README", "tiny-1.0/Makefile" })]
    public void TheBuildFileAtTheTopDecidesTheBuilder(string builder, string? buildFile, string? subdirectory, string[] listing)
    {
        var found = BuildSystem.Detect(listing);

        Assert.AreEqual(builder, found.Builder);
        Assert.AreEqual(buildFile, found.BuildFile);
        Assert.AreEqual(subdirectory, found.Subdirectory);
    }

    [TestMethod]
    public void ABuildFileOneLevelDownNamesThatSubdirectory()
    {
        var found = BuildSystem.Detect(["tiny-1.0/", "tiny-1.0/README", "tiny-1.0/doc/index.html", "tiny-1.0/source/", "tiny-1.0/source/CMakeLists.txt", "tiny-1.0/source/deep/meson.build"]);

        Assert.AreEqual(new BuildSystem("cmake", "source/CMakeLists.txt", "source"), found);
    }

    [TestMethod]
    public void ATarballWithoutATopDirectoryIsItsOwnSourceTree()
    {
        Assert.AreEqual("meson", BuildSystem.Detect(["meson.build", "src/main.c"]).Builder);
    }

    [TestMethod]
    public void WithoutAKnownBuildFileTheCustomSkeletonFitsWhatIsThere()
    {
        Assert.IsTrue(BuildSystem.Detect(["t-1/Makefile"]).HasMakefile);
        Assert.IsTrue(BuildSystem.Detect(["t-1/configure.ac", "t-1/Makefile.am"]).HasAutoconfInput);
        var bare = BuildSystem.Detect(["t-1/build.sh"]);
        Assert.IsFalse(bare.HasMakefile || bare.HasAutoconfInput);
    }

    [TestMethod]
    public void EveryDefinitionItWritesIsWellFormedXml()
    {
        var systems = BuildSystem.BuildFiles.Select(b => new BuildSystem(b.Builder, b.File, null))
            .Append(new BuildSystem("cmake", "src/CMakeLists.txt", "src--x"))
            .Append(new BuildSystem("custom", null, null, HasMakefile: true))
            .Append(new BuildSystem("custom", null, null, HasAutoconfInput: true))
            .Append(new BuildSystem("custom", null, null));
        foreach (var system in systems)
        {
            var text = new NewDefinition
            {
                Name = "tiny", Version = "1.0", Build = system, SourceInclude = "https://x.invalid/a?b=1&c=%20;d", Sha256 = new string('a', 64),
                DebianSource = "tiny", DebianVersion = "1:1.0-1", SourceNotes = ["fetched with apt-get source --download-only", "<&>"],
            }.ToXml();
            var document = System.Xml.Linq.XDocument.Parse(text);
            Assert.AreEqual(system.Builder, document.Descendants("Builder").Single().Value, text);
            Assert.AreEqual("https://x.invalid/a%3Fb=1&c=%2520%3Bd", document.Descendants("Source").Single().Attribute("Include")!.Value, "MSBuild's escapes");
        }
    }

    [TestMethod]
    [DataRow("less-590.tar.gz", "590")]
    [DataRow("json-c-0.16.tar.xz", "0.16")]
    [DataRow("foo_1.2.3.orig.tar.bz2", "1.2.3")]
    [DataRow("Tiny-Perl-v2.01.tgz", "2.01")]
    [DataRow("noversion.tar.gz", null)]
    public void TheVersionComesFromTheTarballsName(string file, string? version) =>
        Assert.AreEqual(version, UpstreamVersion.FromFileName(file));

    [TestMethod]
    [DataRow("590-2.1~deb12u2", "590")]
    [DataRow("1:1.2.13.dfsg-1", "1.2.13")]
    [DataRow("2.10-3", "2.10")]
    [DataRow("1.0~rc1-1", "1.0~rc1")]
    [DataRow("3.1+dfsg1-2", "3.1")]
    public void TheVersionComesFromTheUpstreamPartOfADebianVersion(string debian, string version) =>
        Assert.AreEqual(version, UpstreamVersion.FromDebian(debian));

    [TestMethod]
    public void AnAutotoolsTarballGivesADefinitionThatBuildsAsWritten()
    {
        using var f = new PackageFixture();
        var tarball = f.MakeTinyTarball();

        var definition = New(f, "tiny", "--url", "file://" + tarball);

        Assert.AreEqual("autotools", Property(definition, "Builder"));
        Assert.AreEqual("1.0", Property(definition, "Version"));
        Assert.AreEqual("1", Property(definition, "Revision"));
        var source = Source(definition);
        Assert.AreEqual("file://" + tarball, source.Attribute("Include")?.Value);
        Assert.AreEqual(PackageFixture.Sha256(tarball), source.Attribute("Sha256")?.Value);
        Assert.IsTrue(File.Exists(Path.Combine(f.Artifacts, "sources", PackageFixture.Sha256(tarball))), "the tarball waits in the source cache");
        AssertBuildsWithProgram(f, definition, "tiny-amd64-1.0-1");
    }

    [TestMethod]
    public void ACMakeTarballGivesADefinitionThatBuildsAsWritten()
    {
        using var f = new PackageFixture();
        var tarball = TinyProject.Tarball(f, "tiny", new Dictionary<string, string>
        {
            ["CMakeLists.txt"] = TinyProject.CMakeLists,
            ["tiny.sh"] = "#!/bin/sh\necho tiny\n",
        });

        var definition = New(f, "tiny", "--url", "file://" + tarball);

        Assert.AreEqual("cmake", Property(definition, "Builder"));
        AssertBuildsWithProgram(f, definition, "tiny-amd64-1.0-1");
    }

    [TestMethod]
    public void AMakefileOnlyTarballGetsCustomStepsThatBuildAsWritten()
    {
        using var f = new PackageFixture();
        var tarball = TinyProject.Tarball(f, "tiny", new Dictionary<string, string> { ["Makefile"] = TinyProject.Makefile }, version: "2.5");

        var definition = New(f, "tiny", "--url", "file://" + tarball);

        Assert.AreEqual("custom", Property(definition, "Builder"));
        Assert.AreEqual("2.5", Property(definition, "Version"));
        CollectionAssert.AreEqual(new[] { "build", "install" }, Items(definition, "BuildStep").Select(s => s.Attribute("Include")!.Value).ToList());
        AssertBuildsWithProgram(f, definition, "tiny-amd64-2.5-1");
    }

    [TestMethod]
    public void ATreeWithNothingToGoOnGetsAStepThatSaysWhatToWrite()
    {
        using var f = new PackageFixture();
        var tarball = TinyProject.Tarball(f, "tiny", new Dictionary<string, string> { ["build.sh"] = "#!/bin/sh\n" });
        var definition = New(f, "tiny", "--url", "file://" + tarball);

        var result = f.Build(definition);

        Assert.AreNotEqual(0, result.ExitCode);
        StringAssert.Contains(result.StandardOutput, "pkgs/tiny/tiny.distpkg: write the build steps of tiny here");
        Assert.AreEqual(PackageFixture.LineContaining(definition, "<BuildStep"), PackageFixture.LineOf(PackageFixture.Errors(result, "DST3001")[0], definition));
    }

    [TestMethod]
    public void ABuildFileOneLevelDownIsWrittenAsTheSourceSubdirectoryAndBuildsAsWritten()
    {
        using var f = new PackageFixture();
        var tarball = TinyProject.Tarball(f, "tiny", new Dictionary<string, string>
        {
            ["README"] = "the build is in source/\n",
            ["source/CMakeLists.txt"] = TinyProject.CMakeLists,
            ["source/tiny.sh"] = "#!/bin/sh\necho tiny\n",
        });

        var definition = New(f, "tiny", "--url", "file://" + tarball);

        Assert.AreEqual("cmake", Property(definition, "Builder"));
        Assert.AreEqual("source", Property(definition, "SourceSubdirectory"));
        AssertBuildsWithProgram(f, definition, "tiny-amd64-1.0-1");
    }

    [TestMethod]
    public void AMesonTarballGivesADefinitionThatBuildsAsWritten()
    {
        RequireBuilderTools("python3", "meson", "ninja");
        using var f = new PackageFixture();
        var tarball = TinyProject.Tarball(f, "tiny", new Dictionary<string, string>
        {
            ["meson.build"] = "project('tiny', 'c', version: '1.0')\nexecutable('tiny', 'tiny.c', install: true)\n",
            ["tiny.c"] = "#include <stdio.h>\nint main(void) { puts(\"tiny\"); return 0; }\n",
        });

        var definition = New(f, "tiny", "--url", "file://" + tarball);

        Assert.AreEqual("meson", Property(definition, "Builder"));
        AssertBuildsWithProgram(f, definition, "tiny-amd64-1.0-1");
    }

    [TestMethod]
    public void APythonTarballGivesADefinitionThatBuildsAsWritten()
    {
        RequireBuilderTools("python3");
        using var f = new PackageFixture();
        var tarball = TinyProject.Tarball(f, "tiny", new Dictionary<string, string>
        {
            ["pyproject.toml"] = "[build-system]\nrequires = [\"setuptools\"]\nbuild-backend = \"setuptools.build_meta\"\n",
            ["setup.cfg"] = "[metadata]\nname = tiny\nversion = 1.0\n\n[options]\npackages = tiny\n\n[options.entry_points]\nconsole_scripts =\n    tiny = tiny:main\n",
            ["tiny/__init__.py"] = "def main():\n    print('tiny')\n",
        });

        var definition = New(f, "tiny", "--url", "file://" + tarball);

        Assert.AreEqual("python", Property(definition, "Builder"));
        AssertBuildsWithProgram(f, definition, "tiny-amd64-1.0-1");
    }

    [TestMethod]
    public void APerlTarballGivesADefinitionThatBuildsAsWritten()
    {
        RequireBuilderTools("perl");
        using var f = new PackageFixture();
        var tarball = TinyProject.Tarball(f, "Tiny", new Dictionary<string, string>
        {
            ["Makefile.PL"] = "use ExtUtils::MakeMaker;\nWriteMakefile(NAME => 'Tiny', VERSION => '1.0', EXE_FILES => ['bin/tiny']);\n",
            ["lib/Tiny.pm"] = "package Tiny;\nsub hello { 'tiny' }\n1;\n",
            ["bin/tiny"] = "#!/usr/bin/perl\nuse Tiny;\nprint Tiny::hello(), \"\\n\";\n",
        });

        var definition = New(f, "tiny", "--url", "file://" + tarball);

        Assert.AreEqual("perl", Property(definition, "Builder"));
        AssertBuildsWithProgram(f, definition, "tiny-amd64-1.0-1");
    }

    [TestMethod]
    public void ADebianSourceGivesTheDebianOriginAndItsUpstreamVersionAndBuildsAsWritten()
    {
        Requires.Tool("apt-get");
        using var f = new PackageFixture();
        var tarball = f.MakeTinyTarball();
        var archive = new LocalDebianArchive(f["debian"]);
        archive.Add("tiny", "1.0-1", tarball);
        archive.Add("tiny", "1.0-2", tarball, homepage: "https://tiny.example/");
        archive.Publish();

        var definition = New(f, new Dictionary<string, string> { ["PATH"] = archive.ToolDirectory + ":" + Environment.GetEnvironmentVariable("PATH") }, "tiny", "--debian", "tiny");

        var source = Source(definition);
        Assert.AreEqual("1.0", Property(definition, "Version"));
        Assert.AreEqual("tiny_1.0.orig.tar.gz", source.Attribute("Include")?.Value, "no upstream URL is known");
        Assert.AreEqual(PackageFixture.Sha256(tarball), source.Attribute("Sha256")?.Value);
        Assert.AreEqual("tiny", source.Attribute("DebianSource")?.Value);
        Assert.AreEqual("1.0-2", source.Attribute("DebianVersion")?.Value, "apt's candidate: the newest");
        StringAssert.Contains(File.ReadAllText(definition), "upstream: https://tiny.example/");
        File.Delete(Path.Combine(f.Artifacts, "sources", PackageFixture.Sha256(tarball)));
        var result = f.Build(definition, $"-p:DistriAptGet={archive.AptGet}", $"-p:DistriAptCache={archive.AptCache}");
        Assert.AreEqual(0, result.ExitCode, result.StandardOutput);
        StringAssert.Contains(result.StandardOutput, "fetching Debian source tiny=1.0-2");
    }

    [TestMethod]
    public void AnHttpUrlIsFetchedWithAPlainGet()
    {
        using var f = new PackageFixture();
        var tarball = f.MakeTinyTarball();
        using var server = new TcpListener(IPAddress.Loopback, 0);
        server.Start();
        var port = ((IPEndPoint)server.LocalEndpoint).Port;
        var serving = Task.Run(() =>
        {
            using var client = server.AcceptTcpClient();
            using var stream = client.GetStream();
            var request = new StreamReader(stream).ReadLine();
            var body = File.ReadAllBytes(tarball);
            var status = request?.StartsWith("GET /tiny-1.0.tar.gz ", StringComparison.Ordinal) == true ? "200 OK" : "404 Not Found";
            stream.Write(System.Text.Encoding.ASCII.GetBytes($"HTTP/1.1 {status}\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n"));
            stream.Write(body);
        });

        var definition = New(f, "tiny", "--url", $"http://127.0.0.1:{port}/tiny-1.0.tar.gz");

        serving.Wait(TimeSpan.FromSeconds(30));
        Assert.AreEqual(PackageFixture.Sha256(tarball), Source(definition).Attribute("Sha256")?.Value);
    }

    [TestMethod]
    public void AnExistingPackageFolderIsNeverOverwritten()
    {
        using var f = new PackageFixture();
        var existing = f.WritePackage("tiny", "<Project />");

        var result = Run(f, null, "new", "tiny", "--url", "file://" + f.MakeTinyTarball());

        Assert.AreEqual(1, result.ExitCode);
        Assert.AreEqual($"distri new: {Path.GetDirectoryName(existing)} already exists: distri new never overwrites a package", result.StandardError.Trim());
        Assert.AreEqual("<Project />", File.ReadAllText(existing));
        Assert.IsFalse(File.Exists(Path.ChangeExtension(existing, ".slnx")));
    }

    /// <summary>Builds the definition as written and checks its image has <c>out/bin/tiny</c>.</summary>
    private static void AssertBuildsWithProgram(PackageFixture f, string definition, string fullName)
    {
        Assert.IsTrue(File.Exists(Path.ChangeExtension(definition, ".slnx")), "the solution is written beside the definition");
        var result = f.Build(definition);
        Assert.AreEqual(0, result.ExitCode, File.ReadAllText(definition) + "\n" + result.StandardOutput);
        var image = Path.Combine(f.Repository, fullName + ".squashfs");
        StringAssert.Contains(DistriCli.Check("ls", image, "-R"), "out/bin/tiny");
    }

    /// <summary>The builders' tools are packages of the checkout (pkgs/python3, …), built there once.</summary>
    private static void RequireBuilderTools(params string[] packages)
    {
        Requires.Fuse();
        Requires.Tool("bwrap");
        SeedToolchain.Ensure();
        CheckoutPackages.Ensure(packages);
    }

    private static string New(PackageFixture f, params string[] arguments) => New(f, null, arguments);

    private static string New(PackageFixture f, Dictionary<string, string>? environment, params string[] arguments)
    {
        var result = Run(f, environment, ["new", .. arguments]);
        Assert.AreEqual(0, result.ExitCode, result.StandardOutput + result.StandardError);
        var definition = Path.Combine(f["pkgs"], arguments[0], arguments[0] + ".distpkg");
        StringAssert.Contains(result.StandardOutput, $"wrote {definition}");
        return definition;
    }

    private static ExternalTool.Result Run(PackageFixture f, Dictionary<string, string>? environment, params string[] arguments) =>
        ExternalTool.Run(DistriCli.Dotnet, [DistriCli.Dll, .. arguments, "--pkgs", f["pkgs"], "--artifacts", f.Artifacts], f.Root, environment, TimeSpan.FromMinutes(2));

    private static IEnumerable<XElement> Items(string definition, string name) => XDocument.Load(definition).Descendants(name);

    private static XElement Source(string definition) => Items(definition, "Source").Single();

    private static string? Property(string definition, string name) => Items(definition, name).SingleOrDefault()?.Value;
}
