using Distri.Packages;
using Distri.Testing;

namespace Sdk.Tests;

/// <summary>
/// What `dotnet build build.proj` published into this checkout's artifacts/repo/pkg: the whole
/// distribution on its own toolchain. The suite never builds it (gcc and glibc take hours): these
/// tests check it where it has been built and are inconclusive elsewhere.
/// </summary>
[TestClass]
public sealed class DistributionTests
{
    private static string Repository { get; } = Path.Combine(RepoPaths.Root, "artifacts", "repo", "pkg");

    private static IReadOnlyList<PackageFullName> Published()
    {
        Requires.Fuse();
        Requires.Tool("bwrap");
        var packages = Directory.Exists(Repository)
            ? Directory.EnumerateFiles(Repository, "*.squashfs").Select(p => PackageFullName.Parse(Path.GetFileNameWithoutExtension(p))).ToList()
            : [];
        if (!packages.Any(p => p.Name == "glibc")) Assert.Inconclusive($"{Repository} holds no distribution (run dotnet build build.proj)");
        return packages;
    }

    private static PackageFullName Newest(IEnumerable<PackageFullName> packages, string name)
    {
        var found = packages.Where(p => p.Name == name).OrderBy(p => p.Revision).ToList();
        if (found.Count == 0) Assert.Fail($"{Repository} holds no {name}");
        return found[^1];
    }

    [TestMethod]
    public void EveryElfIsPinnedToItsOwnClosure()
    {
        // The seed is Debian's binaries, unpinned by design; nothing else may be.
        var packages = Published().Where(p => p.Name != "seed").ToList();
        var problems = EmptyRoot.WithRo(Repository, (_, mountPoint) => packages.SelectMany(p => ElfPinning.Violations(mountPoint, Repository, p)).ToList());
        Assert.IsEmpty(problems, string.Join('\n', problems));
    }

    [TestMethod]
    public void NothingButTheSeedItselfNeedsTheSeedAtRunTime()
    {
        var packages = Published();
        foreach (var package in packages.Where(p => p.Name != "seed"))
        {
            var meta = Yaml.ReadMeta(Path.Combine(Repository, package + ".meta.yaml"));
            Assert.IsFalse(meta.RuntimeDependencies.Any(d => d.StartsWith("seed-", StringComparison.Ordinal)), $"{package} needs the seed at run time");
            Assert.IsEmpty(meta.SystemRequirements, $"{package} needs something of the host");
        }
    }

    [TestMethod]
    public void ZshLessAndHelloRunInARootHoldingNothingButRo()
    {
        var packages = Published();
        Newest(packages, "zsh"); Newest(packages, "less"); Newest(packages, "hello");
        var r = EmptyRoot.Run(Repository, "/ro/bin/zsh", "-c",
            "zmodload zsh/zle && echo zle-ok; /ro/bin/less --version | /ro/bin/head -n 1; /ro/bin/hello; while read -r l; do [[ $l == *libc.so* ]] && print -r -- $l; done < /proc/$$/maps; :");
        Assert.AreEqual(0, r.ExitCode, r.StandardError);
        StringAssert.StartsWith(r.StandardOutput, "zle-ok\nless 590");
        Assert.Contains("Hello, world!", r.StandardOutput);
        Assert.Contains($"/ro/{Newest(packages, "glibc")}/out/lib/libc.so.6", r.StandardOutput, "zsh runs on the distribution's glibc");
    }

    [TestMethod]
    public void TheDistributionsGccAndGxxAreInRo()
    {
        var packages = Published();
        var gcc = Newest(packages, "gcc");
        var r = EmptyRoot.Run(Repository, "/ro/bin/bash", "-c", "/ro/bin/gcc --version | /ro/bin/head -n 1; /ro/bin/g++ --version | /ro/bin/head -n 1");
        Assert.AreEqual(0, r.ExitCode, r.StandardError);
        Assert.Contains("gcc (GCC) " + gcc.Version, r.StandardOutput);
        Assert.Contains("g++ (GCC) " + gcc.Version, r.StandardOutput);
    }
}
