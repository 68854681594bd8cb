using System.Diagnostics;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Distri.Compression;
using Distri.Fuse.Control;
using Distri.Packages;
using Distri.Store;
using Distri.Testing;
using Store.Tests.Fixtures;

namespace Store.Tests.Fuzz;

/// <summary>
/// Issue 10's hostile-repository fuzz test: a small real-shaped repository (binaries, symlinks,
/// nested directories, xattrs, an exchange directory, <c>etc/</c>, runtime dependencies), copied
/// and damaged 1–3 ways per iteration (images, metas, the index, symlinks out of the repository),
/// served by the real <c>distri export</c>, installed by <c>distri install</c> and mounted by
/// <c>distri fuse</c>, whose whole tree is then walked. Every iteration must end without a crash,
/// a hang, a stack trace, a file outside the root's store and <c>etc/</c>, or a daemon that died
/// or grew past <see cref="MaxDaemonKilobytes"/>. Deterministic from the seed, bounded in time.
/// </summary>
[TestClass]
public sealed partial class HostileRepositoryFuzzTests
{
    // DISTRI_FUZZ_SEED and DISTRI_FUZZ_SECONDS let a longer run (nightly, or by hand) explore further.
    private static readonly int Seed = int.TryParse(Environment.GetEnvironmentVariable("DISTRI_FUZZ_SEED"), out var seed) ? seed : 20261130;
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(int.TryParse(Environment.GetEnvironmentVariable("DISTRI_FUZZ_SECONDS"), out var s) ? s : 50);
    private static readonly TimeSpan InstallTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan WalkTimeout = TimeSpan.FromSeconds(30);
    private const long MaxDaemonKilobytes = 300 * 1024;

    private const string Libz = "libz-amd64-1.3-1";
    private const string Ncurses = "ncurses-amd64-6.4-1";
    private const string Python = "python-amd64-3.12-1";
    private const string PythonYaml = "python-yaml-amd64-6.0-1";
    private static readonly string[] Packages = [Libz, Ncurses, Python, PythonYaml];
    private static readonly string[] Requested = ["libz", "ncurses", "python", "python-yaml"];

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task MutatedRepositoriesNeitherCrashNorHangNorEscapeTheStoreNorGrowTheDaemon()
    {
        Requires.Fuse();
        var getfattr = Requires.Tool("getfattr");
        using var temp = new TempDirectory("fuzz-repo");
        var clean = MakeRepository(temp["clean"]);
        var served = new TestRepository(temp["served"]);
        Reset(served, clean);
        using var export = await DistriExport.StartAsync(served.BasePath);
        using var http = new HttpClient { BaseAddress = export.BaseUri };

        var clock = Stopwatch.StartNew();
        var random = new Random(Seed);
        var outcomes = new SortedDictionary<string, int>(StringComparer.Ordinal);
        long peakKilobytes = 0;
        var iterations = 0;
        // Iteration 0 is the clean repository: it proves the harness installs and shows everything.
        for (; iterations == 0 || clock.Elapsed < Budget; iterations++)
        {
            var mutations = new List<string>();
            try
            {
                Reset(served, clean);
                var outside = temp.CreateDirectory($"outside-{iterations}");
                var indexMutations = new List<Action>();
                // Half the iterations damage only images, which install mostly accepts: those test the daemon.
                var imagesOnly = random.Next(2) == 0;
                for (var n = iterations == 0 ? 0 : random.Next(1, 4); n > 0; n--)
                {
                    if (imagesOnly) mutations.Add(MutateImage(served, Packages[random.Next(Packages.Length)], random));
                    else Mutate(served, outside, random, mutations, indexMutations);
                }
                // The export rebuilds a stale index from the metas on request; damage the index after that.
                (await http.GetAsync("pkg/index.yaml")).Dispose();
                foreach (var mutate in indexMutations) mutate();

                var result = RunIteration(temp.CreateDirectory($"iteration-{iterations}"), export.BaseUri, getfattr, iterations == 0);
                Assert.IsFalse(export.HasExited, "distri export died: " + export.StandardErrorAfterExit);
                peakKilobytes = Math.Max(peakKilobytes, result.PeakKilobytes);
                var outcome = $"install {result.ExitCode}, {result.Installed} installed";
                outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
                TestContext.WriteLine($"{iterations}: {string.Join("; ", mutations)} -> {outcome}, {result.WalkErrors} walk errors; {result.FirstError}");
                foreach (var link in mutations.Where(m => m.StartsWith("symlink ", StringComparison.Ordinal)).Select(m => m["symlink ".Length..]))
                    Assert.IsFalse(result.InstalledNames.Any(n => link == RepositoryIndex.FileName || link.StartsWith(n + ".", StringComparison.Ordinal)), $"a package served through a symlink was installed ({link})");
                Directory.Delete(temp[$"iteration-{iterations}"], recursive: true);
                Directory.Delete(outside, recursive: true);
            }
            catch (Exception e) when (e is not AssertInconclusiveException)
            {
                throw new AssertFailedException($"seed {Seed}, iteration {iterations} ({string.Join("; ", mutations)}): {e.Message}", e);
            }
        }
        TestContext.WriteLine($"seed {Seed}: {iterations} iterations in {clock.Elapsed.TotalSeconds:F1} s; peak RSS of distri fuse {peakKilobytes / 1024.0:F1} MiB; "
            + string.Join(", ", outcomes.Select(o => $"{o.Key}: {o.Value}")));
        Assert.IsGreaterThanOrEqualTo(5, iterations, "the budget should allow several iterations");
    }

    private sealed record IterationResult(int ExitCode, int Installed, IReadOnlyList<string> InstalledNames, long PeakKilobytes, int WalkErrors, string FirstError);

    /// <summary>Installs into <c>DIR/root</c>, checks nothing left it, mounts its store and walks the mount.</summary>
    private static IterationResult RunIteration(string directory, Uri repository, string getfattr, bool clean)
    {
        var root = Path.Combine(directory, "root");
        var sentinel = Directory.CreateDirectory(Path.Combine(directory, "sentinel")).FullName;
        File.WriteAllText(Path.Combine(sentinel, "keep"), "keep");

        var install = ExternalTool.Run(DistriCli.Dotnet, [DistriCli.Dll, "install", "--root", root, "--repo", repository.ToString(), .. Requested], timeout: InstallTimeout);
        var report = $"distri install exited {install.ExitCode}:\n{install.StandardOutput}{install.StandardError}";
        Assert.IsTrue(install.ExitCode is 0 or 1, report);
        Assert.IsFalse(install.StandardError.Contains("   at ", StringComparison.Ordinal), "a stack trace: " + report);
        foreach (var line in install.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            Assert.IsTrue(line.StartsWith("distri ", StringComparison.Ordinal) || line.StartsWith("distri: ", StringComparison.Ordinal), $"not one line per problem: '{line}' in {report}");
            // A hostile name echoed raw could move the cursor, recolour or retitle the owner's terminal.
            Assert.IsFalse(line.Any(char.IsControl), $"a control character in '{line}'");
            Assert.IsLessThan(4100, line.Length, $"an error line of {line.Length} characters: {Shorten(line, 400)}");
        }
        if (clean) Assert.AreEqual(0, install.ExitCode, report);

        AssertNothingWrittenOutside(directory, root, sentinel);
        var store = new PackageStore(root);
        Directory.CreateDirectory(store.Directory);
        var installed = store.Installed().Select(n => n.ToString()).ToList();
        if (clean) CollectionAssert.AreEquivalent(Packages, installed, report);

        using var daemon = RoMount.Start(store.Directory, Directory.CreateDirectory(Path.Combine(directory, "mnt")).FullName);
        var walk = Task.Run(() => Walk(daemon.MountPoint));
        Assert.IsTrue(walk.Wait(WalkTimeout), $"walking the mount did not finish in {WalkTimeout}; daemon log:\n{daemon.StandardError}");
        var xattrs = ExternalTool.Run(getfattr, ["--recursive", "--physical", "--no-dereference", "--dump", "--match=-", "--absolute-names", daemon.MountPoint], timeout: WalkTimeout);
        Assert.IsFalse(daemon.HasExited, "distri fuse died:\n" + daemon.StandardError);
        Assert.AreEqual(1, FuseControl.RescanAllAsync(store.Directory, TimeSpan.FromSeconds(20)).GetAwaiter().GetResult(), "the daemon no longer answers:\n" + daemon.StandardError);
        var peak = daemon.MemoryKilobytes("VmHWM");
        Assert.IsLessThan(MaxDaemonKilobytes, peak, $"distri fuse peaked at {peak} KiB");
        if (clean)
        {
            var seen = walk.Result;
            Assert.AreEqual(0, seen.Errors, "the clean repository walks without errors");
            CollectionAssert.Contains(seen.Paths.ToList(), "python-amd64-3.12-1/out/lib/python3/site-packages/yaml/__init__.py", "python-yaml joins python's site-packages");
            CollectionAssert.Contains(seen.Paths.ToList(), "bin/python3");
            StringAssert.Contains(xattrs.StandardOutput, "user.distri.origin=", "xattrs are shown");
        }
        var firstError = install.StandardError.Split('\n')[0];
        return new IterationResult(install.ExitCode, installed.Count, installed, peak, walk.Result.Errors, firstError.Length > 160 ? firstError[..160] + "…" : firstError);
    }

    /// <summary>
    /// Install may write only under <c>&lt;root&gt;/roimg</c> and <c>&lt;root&gt;/etc</c>: the iteration's
    /// directory holds nothing new beside the root, the sentinel beside it is untouched. Walked
    /// without following links, so a link the store holds is looked at, never through.
    /// </summary>
    private static void AssertNothingWrittenOutside(string directory, string root, string sentinel)
    {
        CollectionAssert.IsSubsetOf(Directory.GetFileSystemEntries(directory).Select(Path.GetFileName).ToList(), new[] { "root", "sentinel" }, "written beside the root");
        CollectionAssert.AreEqual(new[] { "keep" }, Directory.GetFileSystemEntries(sentinel).Select(Path.GetFileName).ToList(), "written into the sentinel");
        Assert.AreEqual("keep", File.ReadAllText(Path.Combine(sentinel, "keep")));
        if (!Directory.Exists(root)) return;
        CollectionAssert.IsSubsetOf(Directory.GetFileSystemEntries(root).Select(Path.GetFileName).ToList(), new[] { PackageStore.StoreDirectoryName, "etc" }, "written into the root outside roimg/ and etc/");
    }

    private sealed record WalkResult(IReadOnlyCollection<string> Paths, int Errors);

    /// <summary>Everything a user of /ro could do: readdir, lstat, readlink, read each file (its start, middle and end).</summary>
    private static WalkResult Walk(string mountPoint)
    {
        var paths = new List<string>();
        var errors = 0;
        var pending = new Stack<(DirectoryInfo Directory, int Depth)>();
        pending.Push((new DirectoryInfo(mountPoint), 0));
        var buffer = new byte[64 * 1024];
        while (pending.TryPop(out var next) && paths.Count < 20_000)
        {
            try
            {
                foreach (var entry in next.Directory.EnumerateFileSystemInfos())
                {
                    paths.Add(Path.GetRelativePath(mountPoint, entry.FullName));
                    try
                    {
                        _ = entry.Attributes;
                        if (entry.LinkTarget is not null) continue;
                        if (entry is DirectoryInfo directory)
                        {
                            if (next.Depth < 64) pending.Push((directory, next.Depth + 1));
                            continue;
                        }
                        using var file = new FileStream(entry.FullName, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0);
                        // Mutated sizes can be huge: read the first MiB, then probe the middle and the end.
                        for (long read = 0, n; read < 1 << 20 && (n = file.Read(buffer)) > 0; read += n) { }
                        foreach (var offset in new[] { file.Length / 2, Math.Max(0, file.Length - 1) })
                        {
                            file.Position = offset;
                            _ = file.Read(buffer);
                        }
                    }
                    catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                    {
                        errors++;
                    }
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                errors++;
            }
        }
        return new WalkResult(paths, errors);
    }

    // The repository.

    private static TestRepository MakeRepository(string basePath)
    {
        var repository = new TestRepository(basePath);
        // One image from mksquashfs with zstd (compressed metadata to damage), the rest from our writer.
        repository.AddCustom(Libz, 20_000, [], tree: root =>
        {
            WriteFile(root, "out/lib/libz.so.1.3", Pattern(3 * 4096 + 123, 1));
            File.CreateSymbolicLink(Path.Combine(root, "out/lib/libz.so.1"), "libz.so.1.3");
            File.CreateSymbolicLink(Path.Combine(root, "out/lib/libz.so"), "libz.so.1");
            WriteFile(root, "out/include/zlib.h", "#define ZLIB_VERSION \"1.3\"\n"u8.ToArray());
            SetXattr(Path.Combine(root, "out/lib/libz.so.1.3"), "zlib");
        }, image: null, "-comp", "zstd", "-b", "4096", "-xattrs");
        repository.AddTree(Ncurses, root =>
        {
            WriteFile(root, "out/bin/tput", Pattern(9000, 2));
            WriteFile(root, "out/lib/libncursesw.so.6.4", Pattern(5000, 3));
            File.CreateSymbolicLink(Path.Combine(root, "out/lib/libncursesw.so.6"), "libncursesw.so.6.4");
            WriteFile(root, "out/share/terminfo/x/xterm-256color", Pattern(3000, 4));
            WriteFile(root, "out/share/terminfo/l/linux", Pattern(1800, 5));
            WriteFile(root, "etc/terminfo/README", "local terminfo\n"u8.ToArray());
            SetXattr(Path.Combine(root, "out/bin/tput"), "ncurses");
        }, [Libz]);
        repository.AddTree(Python, root =>
        {
            WriteFile(root, "out/bin/python3", Pattern(12_000, 6));
            File.CreateSymbolicLink(Path.Combine(root, "out/bin/python"), "python3");
            WriteFile(root, "out/lib/python3/site-packages/README.txt", "site packages\n"u8.ToArray());
            WriteFile(root, "out/lib/python3/encodings/utf_8.py", "# utf-8\n"u8.ToArray());
            WriteFile(root, "etc/python3/sitecustomize.py", "# site\n"u8.ToArray());
            File.CreateSymbolicLink(Path.Combine(root, "etc/python3/site.py"), "/ro/python-amd64-3.12-1/out/lib/python3/site.py");
            SetXattr(Path.Combine(root, "out/bin/python3"), "python");
        }, [Libz, Ncurses]);
        repository.AddTree(PythonYaml, root =>
        {
            WriteFile(root, "out/lib/python3/site-packages/yaml/__init__.py", "__version__ = '6.0'\n"u8.ToArray());
            WriteFile(root, "out/lib/python3/site-packages/yaml/_yaml.so", Pattern(7000, 7));
            SetXattr(Path.Combine(root, "out/lib/python3/site-packages/yaml/_yaml.so"), "python-yaml");
        }, [Libz, Ncurses, Python], new ExchangeDirectory { Directory = "lib/python3/site-packages", Host = "python" });
        repository.WriteIndex();
        return repository;
    }

    private static void WriteFile(string root, string relative, byte[] content)
    {
        var path = Path.Combine(root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, content);
    }

    private static void SetXattr(string path, string origin) =>
        ExternalTool.Check(Requires.Tool("setfattr"), "--no-dereference", "--name=user.distri.origin", "--value=" + origin, path);

    private static byte[] Pattern(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>Makes the served repository a fresh copy of the clean one (regular files, new mtimes).</summary>
    private static void Reset(TestRepository served, TestRepository clean)
    {
        foreach (var entry in Directory.GetFileSystemEntries(served.PackageDirectory)) File.Delete(entry);
        foreach (var file in Directory.GetFiles(clean.PackageDirectory))
            File.WriteAllBytes(Path.Combine(served.PackageDirectory, Path.GetFileName(file)), File.ReadAllBytes(file));
    }

    // The mutations.

    /// <summary>Applies one mutation to the served files now, or queues one for the index (applied once the export rebuilt it).</summary>
    private static void Mutate(TestRepository repository, string outside, Random random, List<string> log, List<Action> indexMutations)
    {
        var target = Packages[random.Next(Packages.Length)];
        var indexPath = Path.Combine(repository.PackageDirectory, RepositoryIndex.FileName);
        switch (random.Next(20))
        {
            case < 7:
                log.Add(MutateImage(repository, target, random));
                break;
            case < 9:
                log.Add(MutatePrecompressedSibling(repository, target, random));
                break;
            case < 13:
            {
                var path = repository.MetaPath(target);
                File.WriteAllText(path, MutateYaml(File.ReadAllText(path), TopLevel, random, out var description));
                log.Add($"meta {target}: {description}");
                break;
            }
            case < 18:
            {
                var entry = Array.IndexOf(Packages, target);
                var slot = log.Count;
                log.Add($"index entry {entry}");
                indexMutations.Add(() =>
                {
                    File.WriteAllText(indexPath, MutateYaml(File.ReadAllText(indexPath), IndexEntry(entry), random, out var description));
                    log[slot] += ": " + description;
                });
                break;
            }
            default:
            {
                // Outside the repository sits a perfectly good copy: following the link would install it.
                var path = random.Next(3) switch { 0 => repository.MetaPath(target), 1 => indexPath, _ => repository.ImagePath(target) };
                var copy = Path.Combine(outside, Path.GetFileName(path));
                void Replace()
                {
                    File.Copy(path, copy, overwrite: true);
                    File.Delete(path);
                    File.CreateSymbolicLink(path, copy);
                }
                if (path == indexPath) indexMutations.Add(Replace);
                else Replace();
                log.Add($"symlink {Path.GetFileName(path)}");
                break;
            }
        }
    }

    private static string MutateImage(TestRepository repository, string target, Random random)
    {
        var path = repository.ImagePath(target);
        var bytes = File.ReadAllBytes(path);
        var steps = new List<string>();
        switch (bytes.Length < 100 ? 1 : random.Next(7))
        {
            case 0:
                var keep = random.Next(bytes.Length);
                bytes = bytes[..keep];
                steps.Add($"truncate@{keep}");
                break;
            case 1:
                var extra = random.Next(2) == 0 ? new byte[random.Next(1, 70_000)] : Pattern(random.Next(1, 70_000), random.Next());
                bytes = [.. bytes, .. extra];
                steps.Add($"extend+{extra.Length}");
                break;
            case 2 or 3:
                // One or two bytes of the inode and directory tables (from the superblock's
                // inode_table_start to the end): damage install's etc/ walk may never meet.
                var tables = (int)Math.Clamp(BitConverter.ToInt64(bytes, 64), 96, bytes.Length - 1);
                for (var i = random.Next(1, 3); i > 0; i--)
                {
                    var position = random.Next(tables, bytes.Length);
                    bytes[position] = random.Next(2) == 0 ? (byte)(bytes[position] ^ (1 << random.Next(8))) : (byte)random.Next(256);
                    steps.Add($"table byte@{position}");
                }
                break;
            default:
                for (var i = random.Next(1, 9); i > 0; i--)
                {
                    // The superblock and the tables at the end are what a reader trusts most.
                    var position = random.Next(3) switch
                    {
                        0 => random.Next(96),
                        1 => bytes.Length - 1 - random.Next(Math.Min(bytes.Length, 4096)),
                        _ => random.Next(bytes.Length),
                    };
                    if (random.Next(2) == 0) bytes[position] ^= (byte)(1 << random.Next(8));
                    else bytes[position] = (byte)random.Next(256);
                    steps.Add($"byte@{position}");
                }
                break;
        }
        File.WriteAllBytes(path, bytes);
        // Usually the repository vouches for its damaged image (the meta records its size and
        // sha256), so install fetches it and the daemon has to read it; sometimes it does not.
        if (random.Next(4) != 0)
        {
            var meta = repository.MetaPath(target);
            var text = File.ReadAllText(meta);
            text = Sha256Line().Replace(text, "imageSha256: " + Convert.ToHexStringLower(SHA256.HashData(bytes)));
            text = SizeLine().Replace(text, "imageSize: " + bytes.Length);
            File.WriteAllText(meta, text);
            steps.Add("meta agrees");
        }
        return $"image {target}: {string.Join(' ', steps)}";
    }

    /// <summary>A <c>.zst</c> or <c>.gz</c> beside the image, current by mtime, that is damaged or decodes to far more than the image.</summary>
    private static string MutatePrecompressedSibling(TestRepository repository, string target, Random random)
    {
        var image = repository.ImagePath(target);
        var original = File.ReadAllBytes(image);
        var bomb = random.Next(3) == 0;
        byte[] content = bomb ? [.. original, .. new byte[16 << 20]] : original;
        var zstd = random.Next(2) == 0;
        byte[] encoded;
        if (zstd)
        {
            encoded = Zstd.Compress(content);
        }
        else
        {
            using var buffer = new MemoryStream();
            using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest)) gzip.Write(content);
            encoded = buffer.ToArray();
        }
        var description = bomb ? "decodes to 16 MiB more" : "";
        if (!bomb)
        {
            for (var i = random.Next(1, 5); i > 0; i--)
            {
                var position = random.Next(encoded.Length);
                encoded[position] ^= (byte)(1 << random.Next(8));
                description += $" byte@{position}";
            }
            if (random.Next(3) == 0) encoded = encoded[..random.Next(encoded.Length)];
        }
        var sibling = image + (zstd ? ".zst" : ".gz");
        File.WriteAllBytes(sibling, encoded);
        File.SetLastWriteTimeUtc(sibling, File.GetLastWriteTimeUtc(image));
        return $"{Path.GetFileName(sibling)}: {description.Trim()}";
    }

    /// <summary>
    /// Where in a YAML document a mutation lands: the span of one mapping's lines, the pattern
    /// that starts each of its keys (an index entry's first key follows the list's <c>- </c>), and
    /// the indentation of its keys.
    /// </summary>
    private sealed record YamlPlace(Func<string, (int Start, int End)> Span, string KeyPrefix, string Indent);

    private static readonly YamlPlace TopLevel = new(text => (0, text.Length), "()", "");

    /// <summary>The <paramref name="entry"/>th item of the index's <c>packages</c> list.</summary>
    private static YamlPlace IndexEntry(int entry) => new(text =>
    {
        var starts = EntryStart().Matches(text).Select(m => m.Index).ToList();
        if (entry >= starts.Count) return (text.Length, text.Length);
        return (starts[entry], entry + 1 < starts.Count ? starts[entry + 1] : text.Length);
    }, "(- |  )", "  ");

    private static readonly string[] MetaKeys =
        ["name", "arch", "version", "revision", "runtimeDependencies", "systemRequirements", "exchangeDirectories", "imageSha256", "imageSize", "fullName", "metaSize", "metaSha256", "packages"];

    private static readonly string[] Deep = [new string('[', 5000) + new string(']', 5000), new string('{', 3000) + "a: b" + new string('}', 3000), "&a [*a]", "*undefined"];

    /// <summary>Hostile YAML values, whatever the key: wrong types, nulls, numbers that overflow, escapes, huge strings.</summary>
    private static readonly string[] AnyValue =
    [
        "~", "null", "\"\"", "[]", "{}", "[1, [2]]", "{a: b}", "-1", "9223372036854775807", "99999999999999999999999", "1e400", ".nan", "true",
        "\"\\0\"", "\"a\\0b\"", "\"a\\nb\"", "\"\\e[31mred\\e[0m\"", "\"\\uFFFF\\uD800\"", "!!binary AAAA", "!<tag:yaml.org,2002:int> x",
        "\"../../sentinel/pwned\"", "\"/etc/passwd\"", "\"a/b\"", "..", ".", "\"" + new string('x', 300) + "\"", "\"" + new string('y', 200_000) + "\"",
    ];

    /// <summary>Values that mean something for one key: names leading out of the store, cycles, wrong digests and sizes, hostile joins.</summary>
    private static string[] KeyValues(string key) => key switch
    {
        "name" => ["../../sentinel/pwned", "python/../..", "libz", "python", new string('n', 129), "a\\0b"],
        "fullName" => ["\"../../sentinel/pwned-amd64-1-1\"", "\"../../../sentinel/x-amd64-1.0-1\"", "libz-amd64-1.3-1", "python-amd64-3.12-1", "\"x-amd64-1-01\"", "x/y-amd64-1-1"],
        "version" => ["1.0/../..", "\"1.0 \"", "\"\"", "99"],
        "revision" => ["-1", "2147483648", "0", "2"],
        "runtimeDependencies" =>
        [
            "[python-yaml-amd64-6.0-1]", $"[{PythonYaml}, {Python}, {Ncurses}, {Libz}]", "[../../sentinel/x-amd64-1-1]", "[missing-amd64-1-1]", "[\"\"]", "[~]",
            "[" + string.Join(", ", Enumerable.Range(0, 2000).Select(i => $"dep{i}-amd64-1-1")) + "]",
        ],
        "exchangeDirectories" =>
        [
            "[{directory: ../../.., host: python}]", "[{directory: /etc, host: python}]", "[{directory: lib/python3/site-packages, host: python-yaml}]",
            "[{directory: \"\", host: \"\"}]", "[{directory: lib/python3/site-packages/../../../.., host: python}]", "[{directory: lib, host: libz}, {directory: lib, host: libz}]",
            "[{directory: ., host: python}]",
        ],
        "imageSha256" or "metaSha256" => [new string('0', 64), new string('z', 64), "abc", new string('a', 10_000)],
        "imageSize" or "metaSize" => ["0", "1", "-1", "1099511627776", "9223372036854775807", "2000000"],
        _ => [],
    };

    /// <summary>One structural mutation of one mapping (the meta, or one entry of the index), or raw damage to the text.</summary>
    private static string MutateYaml(string text, YamlPlace place, Random random, out string description)
    {
        var (start, end) = place.Span(text);
        var key = MetaKeys[random.Next(MetaKeys.Length)];
        var line = new Regex($"^{place.KeyPrefix}{key}:.*\\n(?:{place.Indent}(?:- |  ).*\\n)*", RegexOptions.Multiline);
        var match = line.Match(text, start, end - start);
        string Replace(string replacement) =>
            match.Success ? text[..match.Index] + replacement + text[(match.Index + match.Length)..] : text[..end] + replacement + text[end..];
        string Item(string value) => $"{(match.Success ? match.Groups[1].Value : place.Indent)}{key}: {value}\n";
        switch (random.Next(12))
        {
            case < 4:
            {
                var values = KeyValues(key);
                var value = values.Length > 0 ? values[random.Next(values.Length)] : AnyValue[random.Next(AnyValue.Length)];
                description = $"{key}: {Shorten(value)}";
                return Replace(Item(value));
            }
            case < 7:
            {
                var value = AnyValue[random.Next(AnyValue.Length)];
                description = $"{key}: {Shorten(value)}";
                return Replace(Item(value));
            }
            case 7:
            {
                var value = Deep[random.Next(Deep.Length)];
                description = $"{key}: {Shorten(value)}";
                return Replace(Item(value));
            }
            case 8:
                // A second occurrence of the key, after the first.
                description = $"duplicate {key}";
                return text[..end] + $"{place.Indent}{key}: {KeyValues(key).FirstOrDefault() ?? "other"}\n" + text[end..];
            case 9:
                description = $"remove {key}";
                return match.Success ? Replace(match.Groups[1].Value == "- " ? "- x: 1\n" : "") : text;
            case 10:
            {
                var position = start + random.Next(Math.Max(1, end - start));
                description = $"truncate@{position}";
                return text[..Math.Min(position, text.Length)];
            }
            default:
            {
                var chars = text.ToCharArray();
                var position = start + random.Next(Math.Max(1, end - start));
                if (position < chars.Length) chars[position] = "\0\t\n:-[{&*!|>'\"%@`#\u00e9\uFFFD"[random.Next(20)];
                description = $"char@{position}";
                return new string(chars);
            }
        }
    }

    private static string Shorten(string value, int length = 40) => value.Length > length ? value[..(length / 2)] + $"…({value.Length})" : value;

    [GeneratedRegex("^imageSha256: .*$", RegexOptions.Multiline)]
    private static partial Regex Sha256Line();

    [GeneratedRegex("^imageSize: .*$", RegexOptions.Multiline)]
    private static partial Regex SizeLine();

    [GeneratedRegex("^- ", RegexOptions.Multiline)]
    private static partial Regex EntryStart();
}
