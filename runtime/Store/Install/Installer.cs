using System.Diagnostics;
using System.Net.Http;
using System.Security.Cryptography;
using Distri.Packages;
using Distri.SquashFs;
using Distri.Store.Repositories;

namespace Distri.Store.Install;

/// <summary>
/// Installs a plan: downloads every meta and image concurrently (bounded) into work files,
/// verifying size and sha256 against the index while streaming, then makes each package visible
/// by renaming its meta and then its image into the store. A package becomes visible as soon as
/// it and its whole runtime closure are present, so a failure of one hides its dependents too.
/// </summary>
public sealed class Installer(PackageStore store)
{
    /// <summary>How many files download at once.</summary>
    public int MaxConcurrentDownloads { get; init; } = 16;

    /// <summary>Copy each new package's <c>etc/</c> into <c>&lt;root&gt;/etc</c> where files do not exist yet.</summary>
    public bool CopyEtc { get; init; } = true;

    /// <summary>
    /// The slowest transfer accepted: each file must deliver at least this many bytes per second
    /// over every <see cref="RateWindow"/> (the headers' wait included). A timer reset by every
    /// read would let a server drip one byte a window and hold the store's lock for ever.
    /// </summary>
    public long MinimumBytesPerSecond { get; init; } = 4096;

    /// <summary>The window <see cref="MinimumBytesPerSecond"/> is measured over; also how long a silent server is waited for.</summary>
    public TimeSpan RateWindow { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Call with the store locked (<see cref="PackageStore.LockAsync"/>).</summary>
    public async Task<InstallResult> InstallAsync(InstallPlan plan, InstallProgress? progress = null, CancellationToken cancellationToken = default)
    {
        var stopwatch = Stopwatch.StartNew();
        progress ??= new InstallProgress();
        progress.Start(plan);
        Directory.CreateDirectory(store.WorkDirectory);
        // A damaged package is hidden before it is fetched again: its dependents must wait for
        // the good copy, and if that fails, nothing broken stays visible.
        foreach (var repair in plan.Repairs) File.Delete(store.ImagePath(repair.Package));
        using var slots = new SemaphoreSlim(MaxConcurrentDownloads);
        var commits = new Commits(this, store);

        var outcomes = await Task.WhenAll(plan.Packages.Select(async package =>
        {
            var error = await DownloadPackageAsync(package, slots, progress, cancellationToken).ConfigureAwait(false);
            if (error is null) commits.Downloaded(package);
            return error;
        })).ConfigureAwait(false);

        var failures = new List<InstallFailure>();
        for (var i = 0; i < outcomes.Length; i++)
        {
            if (outcomes[i] is { } message) failures.Add(new InstallFailure(plan.Packages[i].Name, message));
        }
        // Downloaded but never committed: a dependency failed.
        foreach (var package in commits.Waiting)
        {
            var absent = package.RuntimeDependencies.Where(d => !store.IsInstalled(d));
            failures.Add(new InstallFailure(package.Name, $"not installed because its dependency {string.Join(", ", absent)} failed"));
            DeleteWorkFiles(package.Name);
        }
        failures.AddRange(commits.Failures);
        var installed = commits.Installed;
        var bytes = plan.Packages.Where(p => installed.Contains(p.Name)).Sum(p => p.Entry.ImageSize + p.Entry.MetaSize);
        return new InstallResult(installed, failures, bytes, stopwatch.Elapsed) { EtcCopied = commits.EtcCopied };
    }

    /// <summary>
    /// Makes downloaded packages visible as soon as their whole runtime closure is, so a long
    /// install that is interrupted keeps what it finished and dependents never show early.
    /// </summary>
    private sealed class Commits(Installer installer, PackageStore store)
    {
        private readonly Lock _gate = new();
        private readonly List<CatalogEntry> _waiting = [];
        private readonly List<PackageFullName> _installed = [];

        public IReadOnlyList<CatalogEntry> Waiting => _waiting;
        public IReadOnlyList<PackageFullName> Installed => _installed;
        public List<InstallFailure> Failures { get; } = [];
        public List<string> EtcCopied { get; } = [];

        public void Downloaded(CatalogEntry package)
        {
            lock (_gate)
            {
                _waiting.Add(package);
                bool progressed;
                do
                {
                    progressed = false;
                    foreach (var ready in _waiting.Where(p => p.RuntimeDependencies.All(store.IsInstalled)).ToList())
                    {
                        _waiting.Remove(ready);
                        try
                        {
                            EtcCopied.AddRange(installer.Commit(ready.Name));
                            _installed.Add(ready.Name);
                            progressed = true;
                        }
                        catch (Exception e) when (e is SquashFsException or IOException or InvalidDataException or UnauthorizedAccessException)
                        {
                            Failures.Add(new InstallFailure(ready.Name, $"copying its etc/: {e.Message}"));
                            installer.DeleteWorkFiles(ready.Name);
                        }
                    }
                }
                while (progressed);
            }
        }
    }

    /// <summary>Copies the image's etc/ (from the verified work file), then renames meta and image into place.</summary>
    private IReadOnlyList<string> Commit(PackageFullName name)
    {
        // Before the renames: if we are killed in between, the rerun installs the package again
        // and finds the files present, so etc/ is never skipped.
        var copied = CopyEtc ? EtcCopier.Copy(WorkPath(name, StoreLayout.ImageExtension), store.Root) : [];
        // No fsync: each rename is atomic and a killed process loses nothing the kernel already
        // holds, so an interrupted install is simply repeated; syncing every image would cost more
        // than that. Meta first, image last: the image's presence is what makes a package visible.
        File.Move(WorkPath(name, StoreLayout.MetaExtension), store.MetaPath(name), overwrite: true);
        File.Move(WorkPath(name, StoreLayout.ImageExtension), store.ImagePath(name), overwrite: true);
        return copied;
    }

    private string WorkPath(PackageFullName name, string extension) => Path.Combine(store.WorkDirectory, name + extension);

    private void DeleteWorkFiles(PackageFullName name)
    {
        File.Delete(WorkPath(name, StoreLayout.MetaExtension));
        File.Delete(WorkPath(name, StoreLayout.ImageExtension));
    }

    /// <summary>Downloads meta and image; returns null on success or why it failed (work files removed).</summary>
    private async Task<string?> DownloadPackageAsync(CatalogEntry package, SemaphoreSlim slots, InstallProgress progress, CancellationToken cancellationToken)
    {
        var name = package.Name;
        var meta = DownloadFileAsync(package.Repository, StoreLayout.MetaFileName(name), package.Entry.MetaSize, package.Entry.MetaSha256,
            WorkPath(name, StoreLayout.MetaExtension), n => progress.Add(name, n), slots, cancellationToken);
        var image = DownloadFileAsync(package.Repository, StoreLayout.ImageFileName(name), package.Entry.ImageSize, package.Entry.ImageSha256,
            WorkPath(name, StoreLayout.ImageExtension), n => progress.Add(name, n), slots, cancellationToken);
        var errors = new List<string>();
        foreach (var task in new[] { meta, image })
        {
            try
            {
                await task.ConfigureAwait(false);
            }
            catch (StoreException e)
            {
                errors.Add(e.Message);
            }
        }
        if (errors.Count == 0) return null;
        DeleteWorkFiles(name);
        return string.Join("; ", errors);
    }

    private async Task DownloadFileAsync(Repository repository, string fileName, long expectedSize, string expectedSha256,
        string workPath, Action<long> transferred, SemaphoreSlim slots, CancellationToken cancellationToken)
    {
        await slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        using var tooSlow = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var meter = new RateMeter(tooSlow, RateWindow, (long)(MinimumBytesPerSecond * RateWindow.TotalSeconds));
        try
        {
            tooSlow.CancelAfter(RateWindow);
            await using var source = await repository.OpenAsync(fileName, tooSlow.Token).ConfigureAwait(false);
            using var target = File.OpenHandle(workPath, FileMode.Create, FileAccess.Write, FileShare.None);
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var total = await DownloadPipeline.CopyAsync((buffer, token) => FillAsync(source, buffer, meter, token), target, hash,
                expectedSize, n => transferred(n), tooSlow.Token).ConfigureAwait(false);
            if (total > expectedSize)
            {
                throw new StoreException($"{fileName} from {repository}: size mismatch: expected {expectedSize} bytes, got more");
            }
            if (total != expectedSize)
            {
                throw new StoreException($"{fileName} from {repository}: size mismatch (truncated download): expected {expectedSize} bytes, got {total}");
            }
            var actual = Convert.ToHexStringLower(hash.GetHashAndReset());
            if (actual != expectedSha256)
            {
                throw new StoreException($"{fileName} from {repository}: sha256 mismatch: expected {expectedSha256}, got {actual}");
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new StoreException($"{fileName} from {repository}: too slow: less than {MinimumBytesPerSecond} bytes/s over {RateWindow.TotalSeconds:0.#} s");
        }
        catch (Exception e) when (e is IOException or HttpRequestException or InvalidDataException or UnauthorizedAccessException)
        {
            throw new StoreException($"{fileName} from {repository}: download failed: {e.Message}", e);
        }
        finally
        {
            slots.Release();
        }
    }

    /// <summary>
    /// Fills the whole buffer (or up to the end): sockets hand out small reads, and one large
    /// hash and write per megabyte keeps syscalls and thread hops off the fast path.
    /// </summary>
    private static async Task<int> FillAsync(Stream source, byte[] buffer, RateMeter meter, CancellationToken cancellationToken)
    {
        var read = 0;
        int n;
        do
        {
            n = await source.ReadAsync(buffer.AsMemory(read, DownloadPipeline.BufferSize - read), cancellationToken).ConfigureAwait(false);
            read += n;
            meter.Add(n);
        }
        while (n > 0 && read < DownloadPipeline.BufferSize);
        return read;
    }

    /// <summary>Counts a download's bytes against its window's quota; a met quota starts a new window.</summary>
    private sealed class RateMeter(CancellationTokenSource tooSlow, TimeSpan window, long quota)
    {
        private long _bytes;

        public void Add(int bytes)
        {
            _bytes += bytes;
            if (_bytes < quota) return;
            _bytes = 0;
            tooSlow.CancelAfter(window);
        }
    }
}
