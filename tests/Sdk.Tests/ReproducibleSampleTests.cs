using Distri.Packages;
using Distri.Testing;

namespace Sdk.Tests;

/// <summary>
/// The real packages are reproducible and their input digests location-independent: hello, ncurses
/// and zsh built from this checkout and from a copy of it in another directory (another "clone",
/// with its own artifacts) have equal input digests and byte-identical images. The checkout's
/// ncurses and zsh are the ones <see cref="BuildEnvironmentIntegrationTests"/> builds anyway.
/// </summary>
[TestClass]
public sealed class ReproducibleSampleTests
{
    [TestMethod]
    [Timeout(1_800_000, CooperativeCancellation = true)]
    public void HelloNcursesAndZshFromTwoClonesHaveEqualDigestsAndByteIdenticalImages()
    {
        Requires.Fuse();
        Requires.Tool("bwrap");
        Requires.Tool("apt-get");
        Requires.Tool("gcc");
        using var temp = new TempDirectory("clones");
        var first = BuildEnvironmentIntegrationTests.BuiltRepository();
        var hello = BuildEnvironmentIntegrationTests.BuildIn(Path.Combine(RepoPaths.Root, "pkgs/hello/hello.distpkg"), temp["first"]);
        Assert.AreEqual(0, hello.ExitCode, BuildEnvironmentIntegrationTests.Tail(hello));

        // The clone: every file git knows of (tracked or new), at another path; its own artifacts inside it.
        var clone = temp.CreateDirectory("elsewhere/clone");
        foreach (var file in ExternalTool.Check("git", "-C", RepoPaths.Root, "ls-files", "-co", "--exclude-standard").Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!File.Exists(Path.Combine(RepoPaths.Root, file))) continue;
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(clone, file))!);
            File.Copy(Path.Combine(RepoPaths.Root, file), Path.Combine(clone, file));
        }
        var tasks = $"-p:DistriTasksAssembly={RepoPaths.TasksAssembly}";
        foreach (var package in new[] { "hello", "zsh" })
        {
            var result = BuildEnvironmentIntegrationTests.BuildIn(Path.Combine(clone, $"pkgs/{package}/{package}.distpkg"), Path.Combine(clone, "artifacts"), tasks);
            Assert.AreEqual(0, result.ExitCode, BuildEnvironmentIntegrationTests.Tail(result));
        }

        var second = Path.Combine(clone, "artifacts/repo/pkg");
        // The split part and the debug images too: a debug file is named by its program's build ID.
        foreach (var full in new[] { CheckoutDefinitions.FullName("hello"), CheckoutDefinitions.FullName("hello", "hello-debug"),
                     CheckoutDefinitions.FullName("ncurses"), CheckoutDefinitions.FullName("ncurses", "ncurses-dev"),
                     CheckoutDefinitions.FullName("ncurses", "ncurses-debug"), CheckoutDefinitions.FullName("zsh"), CheckoutDefinitions.FullName("zsh", "zsh-debug") })
        {
            var firstRepository = full.StartsWith("hello", StringComparison.Ordinal) ? temp["first/repo/pkg"] : first;
            Assert.AreEqual(Yaml.ReadMeta(Path.Combine(firstRepository, full + ".meta.yaml")).InputDigest,
                Yaml.ReadMeta(Path.Combine(second, full + ".meta.yaml")).InputDigest, $"{full}: the input digests differ between the clones");
            Assert.AreEqual(PackageFixture.Sha256(Path.Combine(firstRepository, full + ".squashfs")), PackageFixture.Sha256(Path.Combine(second, full + ".squashfs")),
                $"{full}: the images differ between the clones");
        }
    }
}
