using Distri.Packages;
using Distri.Tasks.BuildEnvironment;
using Distri.Testing;

namespace Sdk.Tests;

/// <summary>
/// Runtime dependency discovery on tiny packages compiled in the test: a library package in a
/// /ro-shaped view, and an image root linking against it.
/// </summary>
[TestClass]
public sealed class RuntimeDependenciesTests
{
    private static readonly PackageFullName Self = PackageFullName.Parse("app-amd64-1.0-1");
    private static readonly PackageFullName Demo = PackageFullName.Parse("demo-amd64-2.0-3");
    private static readonly PackageFullName Base = PackageFullName.Parse("base-amd64-1-1");
    private static readonly PackageFullName Tool = PackageFullName.Parse("tool-amd64-5-1");
    private static readonly PackageFullName Libc = PackageFullName.Parse("libc-amd64-2.36-1");

    private sealed class Fixture : IDisposable
    {
        public TempDirectory Temp { get; } = new("rdeps");
        public string View => Temp["view"];
        public string Image => Temp["image"];
        public string Repo => Temp["repo"];

        public Fixture()
        {
            var gcc = Requires.Tool("gcc");
            // The view: demo ships libdemo.so.1 and demo.pc, shown in the /ro/lib exchange dir too.
            var demoLib = Directory.CreateDirectory(Path.Combine(View, Demo.ToString(), "out/lib")).FullName;
            File.WriteAllText(Temp["demo.c"], "int demo(void) { return 42; }\n");
            Compile(gcc, "-shared", "-fPIC", "-Wl,-soname,libdemo.so.1", "-o", Path.Combine(demoLib, "libdemo.so.1"), Temp["demo.c"]);
            File.CreateSymbolicLink(Path.Combine(demoLib, "libdemo.so"), "libdemo.so.1");
            Directory.CreateDirectory(Path.Combine(demoLib, "pkgconfig"));
            File.WriteAllText(Path.Combine(demoLib, "pkgconfig/demo.pc"), "Name: demo\nVersion: 2.0\nLibs: -ldemo\n");
            Directory.CreateDirectory(Path.Combine(View, "lib/pkgconfig"));
            File.CreateSymbolicLink(Path.Combine(View, "lib/libdemo.so.1"), $"../{Demo}/out/lib/libdemo.so.1");
            File.CreateSymbolicLink(Path.Combine(View, "lib/pkgconfig/demo.pc"), $"../../{Demo}/out/lib/pkgconfig/demo.pc");
            Directory.CreateDirectory(Path.Combine(View, Tool.ToString(), "out/bin"));
            File.WriteAllText(Path.Combine(View, Tool.ToString(), "out/bin/interp"), "#!/bin/sh\n");
            Directory.CreateDirectory(Path.Combine(View, Self.ToString()));
            // A C library package: the host's libc and a stand-in loader (only looked up, never run).
            var libcLib = Directory.CreateDirectory(Path.Combine(View, Libc.ToString(), "out/lib")).FullName;
            File.Copy("/lib/x86_64-linux-gnu/libc.so.6", Path.Combine(libcLib, "libc.so.6"));
            File.WriteAllText(Path.Combine(libcLib, "ld-linux-x86-64.so.2"), "");

            // The repository: demo's own closure is base.
            Directory.CreateDirectory(Repo);
            WriteMeta(Demo, Base);
            WriteMeta(Base);
            WriteMeta(Tool);
            WriteMeta(Libc);
            Directory.CreateDirectory(Path.Combine(Image, "out/bin"));
            File.WriteAllText(Temp["prog.c"], "int demo(void); int main(void) { return demo() == 42 ? 0 : 1; }\n");
            File.WriteAllText(Temp["hello.c"], "#include <stdio.h>\nint main(void) { puts(\"hi\"); return 0; }\n");
            Gcc = gcc;
        }

        public string Gcc { get; }

        /// <summary>Links prog.c against libdemo, pinned to the libc package as the SDK's LDFLAGS do.</summary>
        public void LinkProgram(string name, params string[] extra) =>
            Compile(Gcc, ["-o", Path.Combine(Image, "out/bin", name), Temp["prog.c"], "-L" + Path.Combine(View, Demo.ToString(), "out/lib"), "-ldemo", .. PinnedToLibc, .. extra]);

        public void WriteMeta(PackageFullName full, params PackageFullName[] runtime)
        {
            var meta = new PackageMeta { Name = full.Name, Arch = full.Arch, Version = full.Version, Revision = full.Revision, RuntimeDependencies = [.. runtime.Select(r => r.ToString())] };
            File.WriteAllText(Path.Combine(Repo, StoreLayout.MetaFileName(full)), Yaml.Serialize(meta));
        }

        public RuntimeDependencyScanner Scan()
        {
            var scanner = new RuntimeDependencyScanner(Image, Self, View);
            scanner.ScanAll();
            return scanner;
        }

        public void Dispose() => Temp.Dispose();

        private static void Compile(string gcc, params string[] args)
        {
            var r = ExternalTool.Run(gcc, args);
            Assert.AreEqual(0, r.ExitCode, r.StandardError);
        }
    }

    /// <summary>What the SDK's LDFLAGS add: the C library package's loader and library directory.</summary>
    private static readonly string[] PinnedToLibc = [$"-Wl,--dynamic-linker=/ro/{Libc}/out/lib/ld-linux-x86-64.so.2", $"-Wl,-rpath,/ro/{Libc}/out/lib"];

    [TestMethod]
    public void ElfLinkedThroughAnRpathIntoTheViewDependsOnThatPackageAndItsLibcPackage()
    {
        using var f = new Fixture();
        f.LinkProgram("prog", $"-Wl,-rpath,/ro/{Demo}/out/lib");
        var scan = f.Scan();
        CollectionAssert.AreEqual(new[] { Demo, Libc }, scan.Packages.ToList());
        Assert.IsEmpty(scan.Unresolved, string.Join('\n', scan.Unresolved));
    }

    [TestMethod]
    public void TheLoaderUnderRoNamesTheCLibraryPackage()
    {
        using var f = new Fixture();
        f.LinkProgram("prog", $"-Wl,-rpath,/ro/{Demo}/out/lib");
        var scan = f.Scan();
        Assert.Contains($"out/bin/prog: /ro/{Libc}/out/lib/ld-linux-x86-64.so.2 -> {Libc}", scan.Trace);
    }

    [TestMethod]
    public void ElfWithoutRpathIsResolvedThroughTheRoLibExchangeDirectory()
    {
        using var f = new Fixture();
        f.LinkProgram("prog");
        CollectionAssert.AreEqual(new[] { Demo, Libc }, f.Scan().Packages.ToList());
    }

    [TestMethod]
    public void AProgramLinkedAgainstTheHostsLibcIsUnresolvedNotAHostRequirement()
    {
        using var f = new Fixture();
        var r = ExternalTool.Run(f.Gcc, ["-o", Path.Combine(f.Image, "out/bin/hello"), f.Temp["hello.c"]]);
        Assert.AreEqual(0, r.ExitCode, r.StandardError);
        var scan = f.Scan();
        Assert.IsEmpty(scan.Packages);
        CollectionAssert.AreEquivalent(new[]
        {
            "out/bin/hello: interpreter /lib64/ld-linux-x86-64.so.2 (not a package's loader under /ro: was the SDK's LDFLAGS ignored?)",
            "out/bin/hello: libc.so.6",
        }, scan.Unresolved, "nothing of the host counts: the packager is told");
    }

    [TestMethod]
    public void OwnLibrariesViaOriginAreNotDependencies()
    {
        using var f = new Fixture();
        var ownLib = Directory.CreateDirectory(Path.Combine(f.Image, "out/lib")).FullName;
        File.Copy(Path.Combine(f.View, Demo.ToString(), "out/lib/libdemo.so.1"), Path.Combine(ownLib, "libdemo.so.1"));
        f.LinkProgram("prog", "-Wl,-rpath,$ORIGIN/../lib");
        var scan = f.Scan();
        CollectionAssert.AreEqual(new[] { Libc }, scan.Packages.ToList(), string.Join('\n', scan.Trace));
    }

    [TestMethod]
    public void ALibraryCarvedIntoASplitPartIsADependencyOfTheImagesUsingIt()
    {
        using var f = new Fixture();
        var ownLib = Directory.CreateDirectory(Path.Combine(f.Image, "out/lib")).FullName;
        File.Copy(Path.Combine(f.View, Demo.ToString(), "out/lib/libdemo.so.1"), Path.Combine(ownLib, "libdemo.so.1"));
        f.LinkProgram("prog", $"-Wl,-rpath,/ro/{Self}/out/lib");
        var libs = PackageFullName.Parse("app-libs-amd64-1.0-1");
        var layout = new Distri.Tasks.Images.SplitLayout(Self, [(libs, ["out/lib/libdemo.so*"])]);

        var main = new RuntimeDependencyScanner(f.Image, Self, f.View) { Part = Self, OwnerOf = layout.OwnerOf };
        main.ScanAll();
        var part = new RuntimeDependencyScanner(f.Image, Self, f.View) { Part = libs, OwnerOf = layout.OwnerOf };
        part.ScanAll();

        CollectionAssert.AreEqual(new[] { libs, Libc }.Order().ToList(), main.Packages.ToList(), string.Join('\n', main.Trace));
        Assert.IsEmpty(part.Packages, "the part scans only its own files (the library, linked without the SDK's flags): " + string.Join('\n', part.Trace));
        Assert.IsFalse(part.Unresolved.Concat(part.Trace).Any(l => l.StartsWith("out/bin/", StringComparison.Ordinal)), "the program is the main image's");
    }

    [TestMethod]
    public void ALibraryShownInAPackagesDirectoryByItsSplitPartResolvesToThePart()
    {
        using var f = new Fixture();
        // What distri fuse shows: demo-libs' out/lib joined into demo's own out/lib.
        var demoLibs = PackageFullName.Parse("demo-libs-amd64-2.0-3");
        var partLib = Directory.CreateDirectory(Path.Combine(f.View, demoLibs.ToString(), "out/lib")).FullName;
        File.Copy(Path.Combine(f.View, Demo.ToString(), "out/lib/libdemo.so.1"), Path.Combine(partLib, "libdemo.so.1"));
        f.LinkProgram("prog", $"-Wl,-rpath,/ro/{Demo}/out/lib");

        var scanner = new RuntimeDependencyScanner(f.Image, Self, f.View) { Joins = [(demoLibs, "lib", "demo")] };
        scanner.ScanAll();

        CollectionAssert.AreEqual(new[] { demoLibs, Libc }.Order().ToList(), scanner.Packages.ToList(), string.Join('\n', scanner.Trace));
    }

    [TestMethod]
    public void ABuildDependingOnASplitPackageSeesAllItsParts()
    {
        using var f = new Fixture();
        var demoDev = PackageFullName.Parse("demo-dev-amd64-2.0-3");
        var meta = Yaml.ReadMeta(Path.Combine(f.Repo, StoreLayout.MetaFileName(Demo)));
        meta.SplitPackages = [demoDev.ToString()];
        File.WriteAllText(Path.Combine(f.Repo, StoreLayout.MetaFileName(Demo)), Yaml.Serialize(meta));
        f.WriteMeta(demoDev, Demo, Base);
        foreach (var p in new[] { Demo, Base, demoDev }) File.WriteAllText(Path.Combine(f.Repo, StoreLayout.ImageFileName(p)), "");

        var repo = new PackageClosure(f.Repo);
        CollectionAssert.AreEqual(new[] { Base, Demo, demoDev }.Order().ToList(), repo.Close(repo.WithSplitPackages([Demo], requireImage: true), requireImage: true).ToList());
        Assert.IsEmpty(repo.Problems);
    }

    [TestMethod]
    public void ShebangIntoRoAndPkgConfigRequiresNameTheirPackages()
    {
        using var f = new Fixture();
        File.WriteAllText(Path.Combine(f.Image, "out/bin/script"), $"#!/ro/{Tool}/out/bin/interp -e\nrun\n");
        File.WriteAllText(Path.Combine(f.Image, "out/bin/hostscript"), "#!/bin/sh\n");
        Directory.CreateDirectory(Path.Combine(f.Image, "out/lib/pkgconfig"));
        File.WriteAllText(Path.Combine(f.Image, "out/lib/pkgconfig/app.pc"), "Name: app\nRequires: demo >= 2.0\nRequires.private: app-extra\n");
        File.WriteAllText(Path.Combine(f.Image, "out/lib/pkgconfig/app-extra.pc"), "Name: app-extra\n");
        var scan = f.Scan();
        CollectionAssert.AreEqual(new[] { Demo, Tool }.Order().ToList(), scan.Packages.ToList(), string.Join('\n', scan.Trace));
        Assert.IsEmpty(scan.Unresolved);
    }

    [TestMethod]
    public void GarbageTruncatedElfAndMissingLibrariesAreSkippedOrReported()
    {
        using var f = new Fixture();
        f.LinkProgram("prog", $"-Wl,-rpath,/ro/{Demo}/out/lib");
        var bytes = File.ReadAllBytes(Path.Combine(f.Image, "out/bin/prog"));
        File.WriteAllBytes(Path.Combine(f.Image, "out/bin/truncated"), bytes[..200]);
        File.WriteAllBytes(Path.Combine(f.Image, "out/bin/garbage"), [0x7f, (byte)'E', (byte)'L', (byte)'F', 9, 9, 9, 9, 9]);
        File.Delete(Path.Combine(f.View, Demo.ToString(), "out/lib/libdemo.so.1"));
        var scan = f.Scan();
        CollectionAssert.AreEqual(new[] { Libc }, scan.Packages.ToList(), string.Join('\n', scan.Trace));
        CollectionAssert.AreEqual(new[] { "out/bin/prog: libdemo.so.1" }, scan.Unresolved);
    }

    [TestMethod]
    public void PkgConfigRequiresDropVersionConstraints()
    {
        CollectionAssert.AreEqual(new[] { "ncursesw", "zlib", "foo", "bar" },
            RuntimeDependencyScanner.PkgConfigRequires(["Name: x", "Requires: ncursesw >= 6.4, zlib", "Requires.private: foo,bar = 1", "Libs: -lx"]).ToList());
    }

    [TestMethod]
    public void RuntimeClosureAddsEachDependencysRecordedClosure()
    {
        using var f = new Fixture();
        f.LinkProgram("prog", $"-Wl,-rpath,/ro/{Demo}/out/lib");
        var repo = new PackageClosure(f.Repo);
        var closure = repo.Close(f.Scan().Packages.Append(repo.Newest("tool")!.Value), requireImage: false);
        CollectionAssert.AreEqual(new[] { Base, Demo, Libc, Tool }.Order().ToList(), closure.ToList());
        Assert.IsEmpty(repo.Problems);
    }

    [TestMethod]
    public void BuildClosureOfAnUnbuiltDependencyIsAProblemNamingIt()
    {
        using var f = new Fixture();
        var repo = new PackageClosure(f.Repo);
        // demo has a meta but no image: not built as far as a build view is concerned.
        var closure = repo.Close([PackageFullName.Parse("ncurses-amd64-6.4-1"), Demo], requireImage: true);
        Assert.IsEmpty(closure);
        Assert.HasCount(2, repo.Problems);
        Assert.AreEqual("DST1006", repo.Problems[0].Message.Code);
        Assert.Contains("ncurses-amd64-6.4-1", repo.Problems[0].Text);
    }

    [TestMethod]
    [Timeout(60_000, CooperativeCancellation = true)]
    public async Task FifoInTheInstalledTreeIsSkippedWithoutBeingOpened()
    {
        using var f = new Fixture();
        f.LinkProgram("prog", $"-Wl,-rpath,/ro/{Demo}/out/lib");
        var fifo = Path.Combine(f.Image, "out/bin/control.fifo");
        var mkfifo = ExternalTool.Run(Requires.Tool("mkfifo"), [fifo]);
        Assert.AreEqual(0, mkfifo.ExitCode, mkfifo.StandardError);

        // Opening a FIFO for reading blocks until a writer comes: run the scan where a hang is
        // reported as a failure instead of stalling the whole test run.
        var scan = Task.Run(() =>
        {
            var scanner = new RuntimeDependencyScanner(f.Image, Self, f.View);
            scanner.ScanFile(fifo);
            scanner.ScanAll();
            return scanner;
        });
        var finished = await Task.WhenAny(scan, Task.Delay(TimeSpan.FromSeconds(30)));
        if (finished != scan)
        {
            // Unblock the stuck open so the worker thread does not outlive the test.
            await using (new FileStream(fifo, FileMode.Open, FileAccess.Write)) { }
            Assert.Fail("The scan opened the FIFO and blocked.");
        }
        var scanner = await scan;
        CollectionAssert.AreEqual(new[] { Demo, Libc }, scanner.Packages.ToList());
        Assert.IsEmpty(scanner.Unresolved);
    }

    [TestMethod]
    public void BuildClosureIsTheDependenciesAndTheirRuntimeClosure()
    {
        using var f = new Fixture();
        foreach (var p in new[] { Demo, Base }) File.WriteAllText(Path.Combine(f.Repo, StoreLayout.ImageFileName(p)), "");
        var repo = new PackageClosure(f.Repo);
        CollectionAssert.AreEqual(new[] { Base, Demo }, repo.Close([Demo], requireImage: true).ToList());
    }

    [TestMethod]
    public void BuildEnvironmentPutsTheViewFirstAndPinsRpathsNewestRevisionFirst()
    {
        var old = PackageFullName.Parse("ncurses-amd64-6.4-1");
        var newer = PackageFullName.Parse("ncurses-amd64-6.4-2");
        var env = BuildEnvironmentVariables.For(Self, [old, Base, newer]);
        Assert.StartsWith("/ro/bin:", env["PATH"]);
        Assert.AreEqual("/ro/include", env["CPATH"]);
        Assert.AreEqual(
            $"-Wl,--disable-new-dtags -Wl,-rpath,/ro/{Self}/out/lib -Wl,-rpath,/ro/{Base}/out/lib -Wl,-rpath,/ro/{newer}/out/lib -Wl,-rpath,/ro/{old}/out/lib",
            env["LDFLAGS"]);
    }
}
