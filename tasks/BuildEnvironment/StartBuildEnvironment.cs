using System.Diagnostics;
using Distri.Linux;
using Distri.Packages;
using Distri.Sandbox;
using Distri.Tasks.Diagnostics;
using Microsoft.Build.Framework;

namespace Distri.Tasks.BuildEnvironment;

/// <summary>
/// Prepares a package's build environment: mounts the filtered /ro of its closure (toolchain
/// included), synthesizes the sandbox's /etc and file-system links, gives the build directories
/// to the build user, and writes the sandbox twice: as the JSON spec <c>distri sandbox</c> reads
/// and as the launcher plus bubblewrap argument list each build step starts.
/// The view is registered with the artifacts directory's view daemon (started when none answers);
/// a view left by a cancelled earlier build of the same package is replaced.
/// </summary>
public sealed class StartBuildEnvironment : Microsoft.Build.Utilities.Task
{
    /// <summary>The package being built, e.g. <c>zsh-amd64-5.9-1</c>.</summary>
    [Required]
    public string Self { get; set; } = "";

    /// <summary>Full names from <see cref="ResolveBuildClosure"/>, with metadata PackageName and Repository.</summary>
    public ITaskItem[] Closure { get; set; } = [];

    /// <summary>This build's private directory for the mount point, the view's store of links and the spec.</summary>
    [Required]
    public string EnvironmentDirectory { get; set; } = "";

    /// <summary>Host directory shown writable at <c>/ro/&lt;Self&gt;</c> (the image root: it receives <c>out/…</c>).</summary>
    [Required]
    public string Destination { get; set; } = "";

    /// <summary>Host directories writable at their own path (build directory, DESTDIR root).</summary>
    public ITaskItem[] Writable { get; set; } = [];

    /// <summary>Host files shown read-only at their own path (the fetched source tarballs).</summary>
    public ITaskItem[] ReadOnlyFiles { get; set; } = [];

    /// <summary>The view daemon's directory (one daemon per artifacts directory serves every build's view).</summary>
    [Required]
    public string ViewDaemonDirectory { get; set; } = "";

    /// <summary>How to run <c>distri</c>: a path, or words such as <c>dotnet /path/distri.dll</c> (no spaces inside a word).</summary>
    [Required]
    public string DistriCommand { get; set; } = "";

    /// <summary>The package whose <c>out/usr</c> is the sandbox's <c>/usr</c> (the seed); empty: <c>/usr/bin</c> and friends are the exchange directories.</summary>
    public string? UsrPackage { get; set; }

    /// <summary>The C library's package name, its library directory inside the package and its loader's file name.</summary>
    public string? LibcPackage { get; set; }
    public string LibcDirectory { get; set; } = "out/lib";
    public string LoaderFile { get; set; } = "ld-linux-x86-64.so.2";

    /// <summary>Host user the build runs as when the caller is root.</summary>
    public string BuildUser { get; set; } = "distri-build";

    /// <summary>Where to write the launcher (<c>sh LAUNCHER -- COMMAND</c>) and the bubblewrap argument list.</summary>
    [Required]
    public string LauncherFile { get; set; } = "";
    [Required]
    public string ArgumentsFile { get; set; } = "";

    /// <summary>
    /// The steps' environment (<c>NAME=value</c>, the SDK's DistriBuildEnvironment): a package's own
    /// LDFLAGS/CFLAGS there are kept after the sandbox's, as <c>distri sandbox</c> does at run time.
    /// </summary>
    public ITaskItem[] StepEnvironment { get; set; } = [];

    public string BubblewrapPath { get; set; } = Bubblewrap.DefaultPath;

    public int ReadyTimeoutSeconds { get; set; } = 30;

    /// <summary>How long the view daemon stays up with no view registered.</summary>
    public int ViewDaemonIdleExitSeconds { get; set; } = 600;

    [Required]
    public string ProjectFile { get; set; } = "";

    /// <summary>Where to write the spec.</summary>
    [Required]
    public string SpecFile { get; set; } = "";

    public override bool Execute()
    {
        var clock = Stopwatch.StartNew();
        if (!PackageFullName.TryParse(Self, out var self, out var error))
        {
            Log.LogError(Messages.InvalidName, ProjectFile, error);
            return false;
        }
        if (!File.Exists(BubblewrapPath))
        {
            Log.LogError(Messages.NoBubblewrap, ProjectFile, BubblewrapPath);
            return false;
        }
        SandboxSpec.BuildUser? user = null;
        if (LibC.EffectiveUserId == 0)
        {
            if (FileOwnership.FindUser(BuildUser) is not { } ids || ids.Uid == 0)
            {
                Log.LogError(Messages.NoBuildUser, ProjectFile, BuildUser);
                return false;
            }
            user = new SandboxSpec.BuildUser(ids.Uid, ids.Gid);
        }

        var closure = Closure.Select(i => (Full: PackageFullName.Parse(i.ItemSpec), Repository: i.GetMetadata("Repository"))).ToList();
        var fullOf = closure.ToDictionary(c => c.Full.Name, c => c.Full, StringComparer.Ordinal);
        PackageFullName? usr = null;
        LibcLocation? libc = null;
        if (!string.IsNullOrEmpty(UsrPackage) && !fullOf.TryGetValue(UsrPackage, out var u)
            || !string.IsNullOrEmpty(LibcPackage) && !fullOf.ContainsKey(LibcPackage))
        {
            Log.LogError(Messages.UnbuiltDependency, ProjectFile, $"{UsrPackage} {LibcPackage}".Trim(), $"the toolchain is not in the build closure of {self}");
            return false;
        }
        if (!string.IsNullOrEmpty(UsrPackage)) usr = fullOf[UsrPackage];
        if (!string.IsNullOrEmpty(LibcPackage)) libc = new LibcLocation(fullOf[LibcPackage], LibcDirectory, LoaderFile);

        var environment = Path.GetFullPath(EnvironmentDirectory);
        Directory.CreateDirectory(environment);
        Directory.CreateDirectory(Destination);
        var service = new ViewService(ViewDaemonDirectory, DistriCommand.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            IdleExit = TimeSpan.FromSeconds(ViewDaemonIdleExitSeconds),
            AnswerTimeout = TimeSpan.FromSeconds(ReadyTimeoutSeconds),
        };

        string? view = null;
        if (closure.Count > 0)
        {
            try
            {
                var store = LinkStore(BuildView.StoreDirectory(environment), closure);
                // The view lasts at most as long as the build: this task runs in a task host, whose parent is the MSBuild node.
                var owner = ProcessIdentity.Parent() ?? ProcessIdentity.Of(Environment.ProcessId)!.Value;
                BuildView.Start(environment, service, store, closure.Select(c => c.Full.ToString()), self.ToString(), owner);
            }
            catch (Exception e) when (e is InvalidOperationException or TimeoutException or IOException or UnauthorizedAccessException or System.ComponentModel.Win32Exception)
            {
                Log.LogError(Messages.ViewFailed, ProjectFile, self, e.Message, ViewProtocol.LogFile(service.Directory));
                return false;
            }
            view = BuildView.MountPoint(environment);
        }
        else
        {
            BuildView.Stop(environment, service); // an earlier build's, with dependencies
        }

        var writable = Writable.Select(w => Path.GetFullPath(w.ItemSpec)).Distinct(StringComparer.Ordinal).ToList();
        if (user is not null)
        {
            // The build user owns what it builds in; everything else it sees is read-only.
            foreach (var dir in writable.Append(Path.GetFullPath(Destination)))
                FileOwnership.ChangeTree(dir, user.Uid, user.Gid);
        }
        var readOnly = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["/etc"] = WriteEtc(Path.Combine(environment, "etc"), user),
        };
        foreach (var file in ReadOnlyFiles.Select(f => Path.GetFullPath(f.ItemSpec)))
            readOnly[file] = file;
        var stepEnvironment = StepEnvironment.Select(i => i.ItemSpec.Split('=', 2)).Where(p => p.Length == 2)
            .GroupBy(p => p[0], StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last()[1], StringComparer.Ordinal);
        var spec = new SandboxSpec
        {
            ReadOnly = readOnly,
            View = view,
            ViewDaemon = view is null ? null : service.Directory,
            Self = self.ToString(),
            Destination = Path.GetFullPath(Destination),
            Writable = writable,
            Symlinks = FileSystemLinks(usr, libc),
            Environment = BuildEnvironmentVariables.For(self, closure.Select(c => c.Full), libc),
            User = user,
            StepEnvironment = new SortedDictionary<string, string>(stepEnvironment, StringComparer.Ordinal),
        };
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(SpecFile))!);
        spec.Write(SpecFile);
        SandboxLauncher.Write(LauncherFile, ArgumentsFile, spec, name => stepEnvironment.GetValueOrDefault(name), BubblewrapPath);
        Log.LogMessage(MessageImportance.Normal, "Build environment of {0}: {1} packages at /ro, as {2}, ready in {3} ms", self, closure.Count,
            user is null ? "the calling user" : BuildUser, clock.ElapsedMilliseconds);
        return true;
    }

    /// <summary>
    /// The paths upstream build systems expect, as links into /ro: with a /usr package (the seed),
    /// its out/usr is /usr and /bin, /lib… lead there as on a merged-/usr system; otherwise
    /// /usr/bin, /usr/include, /usr/lib… are the exchange directories and /lib64 holds the loader.
    /// </summary>
    private static SortedDictionary<string, string> FileSystemLinks(PackageFullName? usr, LibcLocation? libc)
    {
        var links = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (usr is { } u)
        {
            links["/usr"] = $"/ro/{u}/out/usr";
            foreach (var top in new[] { "bin", "sbin", "lib", "lib64" }) links["/" + top] = "usr/" + top;
            return links;
        }
        foreach (var (path, target) in new[] { ("/bin", "/ro/bin"), ("/sbin", "/ro/bin"), ("/usr/bin", "/ro/bin"), ("/usr/sbin", "/ro/bin"),
                     ("/usr/include", "/ro/include"), ("/usr/lib", "/ro/lib"), ("/usr/share", "/ro/share"), ("/lib", "/ro/lib") })
            links[path] = target;
        if (libc is not null) links["/lib64/" + libc.LoaderFile] = libc.Loader;
        return links;
    }

    /// <summary>An /etc with only what programs look up: the build user, localhost.</summary>
    private static string WriteEtc(string directory, SandboxSpec.BuildUser? user)
    {
        Directory.CreateDirectory(directory);
        var uid = user?.Uid ?? LibC.EffectiveUserId;
        var gid = user?.Gid ?? uid;
        AtomicFile.WriteIfChanged(Path.Combine(directory, "passwd"),
            $"root:x:0:0:root:/root:/bin/sh\nbuild:x:{uid}:{gid}:distri build:{Bubblewrap.Home}:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n");
        AtomicFile.WriteIfChanged(Path.Combine(directory, "group"), $"root:x:0:\nbuild:x:{gid}:\nnogroup:x:65534:\n");
        AtomicFile.WriteIfChanged(Path.Combine(directory, "hosts"), "127.0.0.1 localhost\n::1 localhost\n");
        return directory;
    }

    /// <summary>The view's store: links to exactly the closure's images and metas, from whichever repository holds them.</summary>
    private static string LinkStore(string directory, IEnumerable<(PackageFullName Full, string Repository)> closure)
    {
        if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        Directory.CreateDirectory(directory);
        foreach (var (full, repository) in closure)
        {
            foreach (var file in new[] { StoreLayout.ImageFileName(full), StoreLayout.MetaFileName(full) })
                File.CreateSymbolicLink(Path.Combine(directory, file), Path.GetFullPath(Path.Combine(repository, file)));
        }
        return directory;
    }
}
