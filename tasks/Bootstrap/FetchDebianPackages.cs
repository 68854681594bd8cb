using Distri.Sources;
using Distri.Tasks.Diagnostics;
using Microsoft.Build.Framework;

namespace Distri.Tasks.Bootstrap;

/// <summary>
/// Puts every <c>DebianPackage</c> (a Debian binary package pinned by version and sha256) into the
/// source cache, through <c>apt-get download NAME=VERSION</c>. One apt-get call fetches all the
/// missing ones; when it fails, each is retried alone so the error names exactly the packages
/// that are not to be had. Nothing unverified is ever kept.
/// </summary>
public sealed class FetchDebianPackages : Microsoft.Build.Utilities.Task, ICancelableTask
{
    private readonly CancellationTokenSource _cancel = new();

    [Required] public string DefinitionFile { get; set; } = "";
    [Required] public ITaskItem[] Packages { get; set; } = [];
    [Required] public string CacheDirectory { get; set; } = "";
    public string AptGet { get; set; } = "apt-get";
    public int AptTimeoutSeconds { get; set; } = 900;

    /// <summary>The cached .deb files, in <c>Packages</c> order, with metadata Package, Version and Sha256.</summary>
    [Output] public ITaskItem[] Fetched { get; set; } = [];

    public void Cancel() => _cancel.Cancel();

    public override bool Execute()
    {
        var cache = new SourceCache(CacheDirectory);
        var missing = Packages.Where(p => cache.TryGet(p.Meta("Sha256")!) is null).ToList();
        if (missing.Count > 0)
        {
            Log.LogMessage(MessageImportance.High, "fetching {0} Debian packages (apt-get download)", missing.Count);
            if (!Download(cache, missing, reportEach: false))
                foreach (var package in missing.Where(p => cache.TryGet(p.Meta("Sha256")!) is null))
                    Download(cache, [package], reportEach: true);
        }
        Fetched = [.. Packages.Select(p =>
        {
            var item = new Microsoft.Build.Utilities.TaskItem(cache.PathOf(p.Meta("Sha256")!));
            item.SetMetadata("Package", p.ItemSpec);
            item.SetMetadata("Version", p.Meta("Version"));
            item.SetMetadata("Sha256", p.Meta("Sha256"));
            return (ITaskItem)item;
        })];
        return !Log.HasLoggedErrors;
    }

    /// <summary>Downloads into a private directory, verifies and commits each; false when apt-get failed.</summary>
    private bool Download(SourceCache cache, IReadOnlyList<ITaskItem> packages, bool reportEach)
    {
        var work = Directory.CreateDirectory(Path.Combine(cache.Directory, $".apt-{Environment.ProcessId}.{Guid.NewGuid():N}"));
        try
        {
            // apt drops to its _apt user for downloads: let it write here.
            File.SetUnixFileMode(work.FullName, (UnixFileMode)0b111_111_111);
            var result = AptProcess.Run(AptGet, ["download", "-qq", .. packages.Select(p => $"{p.ItemSpec}={p.Meta("Version")}")], work.FullName,
                TimeSpan.FromSeconds(AptTimeoutSeconds), _cancel.Token);
            if (result.ExitCode != 0)
            {
                if (reportEach)
                {
                    var package = packages[0];
                    Log.LogError(Messages.DebianPackageUnavailable, DefinitionFile, "DebianPackage", package.ItemSpec, package.ItemSpec, package.Meta("Version"), $"apt-get download exited with {result.ExitCode}: {AptProcess.Why(result)}");
                }
                return false;
            }
            foreach (var package in packages)
            {
                var file = work.EnumerateFiles(package.ItemSpec + "_*.deb").FirstOrDefault();
                if (file is null)
                {
                    Log.LogError(Messages.DebianPackageUnavailable, DefinitionFile, "DebianPackage", package.ItemSpec, package.ItemSpec, package.Meta("Version"), "apt-get download left no .deb");
                    continue;
                }
                var expected = package.Meta("Sha256")!.ToLowerInvariant();
                var actual = SourceCache.HashFile(file.FullName);
                if (actual != expected)
                {
                    Log.LogError(Messages.Sha256Mismatch, DefinitionFile, "DebianPackage", package.ItemSpec, file.Name, "apt-get download", expected, actual);
                    continue;
                }
                cache.Commit(file.FullName, expected);
            }
            return true;
        }
        catch (OperationCanceledException)
        {
            Log.LogError(Messages.DebianPackageUnavailable, DefinitionFile, "DebianPackage", packages[0].ItemSpec, packages[0].ItemSpec, packages[0].Meta("Version"),
                _cancel.IsCancellationRequested ? "cancelled" : $"apt-get download gave no answer in {AptTimeoutSeconds} s");
            return true; // retrying each would only wait again
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            Log.LogError(Messages.DebianPackageUnavailable, DefinitionFile, "DebianPackage", packages[0].ItemSpec, packages[0].ItemSpec, packages[0].Meta("Version"), $"cannot run {AptGet}: {e.Message}");
            return true;
        }
        finally
        {
            try { work.Delete(recursive: true); } catch (IOException) { }
        }
    }
}
