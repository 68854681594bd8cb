using System.Diagnostics;
using Distri.Packages;
using Distri.Sandbox;
using Microsoft.Build.Framework;

namespace Distri.Tasks.BuildEnvironment;

/// <summary>
/// Prepares a package's build environment: mounts the filtered /ro of its closure (when it has
/// one), and writes the sandbox twice: as the JSON spec <c>distri sandbox</c> reads and as the
/// bubblewrap argument list each build step passes to <c>bwrap --args</c>.
/// Any daemon left by a cancelled earlier build of the same package is stopped first.
/// </summary>
public sealed class StartBuildEnvironment : Microsoft.Build.Utilities.Task
{
    /// <summary>The package being built, e.g. <c>zsh-amd64-5.9-1</c>.</summary>
    [Required]
    public string Self { get; set; } = "";

    /// <summary>Full names from <see cref="ResolveBuildClosure"/>.</summary>
    public ITaskItem[] Closure { get; set; } = [];

    [Required]
    public string RepositoryDirectory { get; set; } = "";

    /// <summary>This build's private directory for the mount point, the spec, the pid and daemon log.</summary>
    [Required]
    public string EnvironmentDirectory { get; set; } = "";

    /// <summary>Host directory shown writable at <c>/ro/&lt;Self&gt;</c> (the image root: it receives <c>out/…</c>).</summary>
    [Required]
    public string Destination { get; set; } = "";

    /// <summary>Host directories writable at their own path (build directory, DESTDIR root).</summary>
    public ITaskItem[] Writable { get; set; } = [];

    /// <summary>How to run <c>distri</c>: a path, or words such as <c>dotnet /path/distri.dll</c> (no spaces inside a word).</summary>
    [Required]
    public string DistriCommand { get; set; } = "";

    /// <summary>pkgs/: the Debian sources named there have their host development files shadowed (<see cref="HostShadow"/>).</summary>
    public string? PackagesDirectory { get; set; }

    /// <summary>Where to write the same sandbox as NUL-separated bubblewrap arguments (for <c>bwrap --args 3</c>).</summary>
    public string? ArgumentsFile { get; set; }

    /// <summary>
    /// The steps' environment (<c>NAME=value</c>, the SDK's DistriBuildEnvironment): a package's own
    /// LDFLAGS/CFLAGS there are kept after the sandbox's, as <c>distri sandbox</c> does at run time.
    /// </summary>
    public ITaskItem[] StepEnvironment { get; set; } = [];

    public string BubblewrapPath { get; set; } = Bubblewrap.DefaultPath;

    public int ReadyTimeoutSeconds { get; set; } = 30;

    public string? ProjectFile { get; set; }

    /// <summary>Where to write the spec: the file <c>$(DistriSandboxCommand)</c> names.</summary>
    [Required]
    public string SpecFile { get; set; } = "";

    public override bool Execute()
    {
        var clock = Stopwatch.StartNew();
        if (!PackageFullName.TryParse(Self, out var self, out var error))
        {
            BuildEnvironmentErrors.Log(Log, BuildEnvironmentErrors.ViewFailed, ProjectFile, error);
            return false;
        }
        if (!File.Exists(BubblewrapPath))
        {
            BuildEnvironmentErrors.Log(Log, BuildEnvironmentErrors.NoBubblewrap, ProjectFile,
                $"{BubblewrapPath} not found: builds run in a bubblewrap sandbox (apt-get install bubblewrap, or run eng/install-prereqs.sh)");
            return false;
        }
        var closure = Closure.Select(i => PackageFullName.Parse(i.ItemSpec)).ToList();
        var environment = Path.GetFullPath(EnvironmentDirectory);
        Directory.CreateDirectory(environment);
        Directory.CreateDirectory(Destination);
        var distri = DistriCommand.Split(' ', StringSplitOptions.RemoveEmptyEntries);

        BuildView.Stop(environment);
        string? view = null;
        if (closure.Count > 0)
        {
            try
            {
                BuildView.Start(environment, distri, Path.GetFullPath(RepositoryDirectory),
                    closure.Select(c => c.ToString()), self.ToString(), TimeSpan.FromSeconds(ReadyTimeoutSeconds));
            }
            catch (Exception e) when (e is InvalidOperationException or TimeoutException or IOException or System.ComponentModel.Win32Exception)
            {
                BuildEnvironmentErrors.Log(Log, BuildEnvironmentErrors.ViewFailed, ProjectFile,
                    $"cannot mount the build view of {self}: {e.Message}\n(log: {BuildView.LogFile(environment)})");
                return false;
            }
            view = BuildView.MountPoint(environment);
        }

        var readOnly = new SortedDictionary<string, string>(StringComparer.Ordinal);
        string? shadow = null;
        if (!string.IsNullOrEmpty(PackagesDirectory))
        {
            var shadowDirectory = Path.Combine(environment, "host-shadow");
            var files = HostShadow.Write(shadowDirectory, HostShadow.InstalledBinaries(HostShadow.DistributionSources(PackagesDirectory)));
            Log.LogMessage(MessageImportance.Low, "{0} host development files shadowed in {1}", files, shadowDirectory);
            readOnly[HostShadow.SandboxPath] = shadowDirectory;
            shadow = HostShadow.SandboxPath;
        }
        var spec = new SandboxSpec
        {
            ReadOnly = readOnly,
            View = view,
            Self = self.ToString(),
            Destination = Path.GetFullPath(Destination),
            Writable = [.. Writable.Select(w => Path.GetFullPath(w.ItemSpec)).Distinct(StringComparer.Ordinal)],
            Environment = BuildEnvironmentVariables.For(self, closure, shadow),
        };
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(SpecFile))!);
        spec.Write(SpecFile);
        if (!string.IsNullOrEmpty(ArgumentsFile))
        {
            var stepEnvironment = StepEnvironment.Select(i => i.ItemSpec.Split('=', 2)).Where(p => p.Length == 2)
                .GroupBy(p => p[0], StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last()[1], StringComparer.Ordinal);
            Bubblewrap.WriteArgumentsFile(ArgumentsFile, Bubblewrap.SandboxArguments(spec, name => stepEnvironment.GetValueOrDefault(name)));
        }
        Log.LogMessage(MessageImportance.Normal, "Build environment of {0}: {1} packages at /ro, ready in {2} ms", self, closure.Count, clock.ElapsedMilliseconds);
        return true;
    }
}
