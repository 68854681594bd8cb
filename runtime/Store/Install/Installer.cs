using System.Buffers;
using System.Diagnostics;
using System.Net.Http;
using System.Security.Cryptography;
using Distri.Packages;
using Distri.Store.Repositories;

namespace Distri.Store.Install;

/// <summary>
/// Installs a plan: downloads every meta and image concurrently (bounded) into work files,
/// verifying size and sha256 against the index while streaming, then makes each package visible
/// by renaming its meta and then its image into the store. A package becomes visible only when
/// its whole runtime closure is present, so a failure of one package hides its dependents too.
/// </summary>
public sealed class Installer(PackageStore store)
{
    private const int BufferSize = 1 << 20;

    /// <summary>How many files download at once.</summary>
    public int MaxConcurrentDownloads { get; init; } = 16;

    /// <summary>A download that delivers no data for this long fails (a stalled server must not hang the install).</summary>
    public TimeSpan StallTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Call with the store locked (<see cref="PackageStore.LockAsync"/>).</summary>
    public async Task<InstallResult> InstallAsync(InstallPlan plan, InstallProgress? progress = null, CancellationToken cancellationToken = default)
    {
        var stopwatch = Stopwatch.StartNew();
        progress ??= new InstallProgress();
        progress.Start(plan);
        Directory.CreateDirectory(store.WorkDirectory);
        using var slots = new SemaphoreSlim(MaxConcurrentDownloads);

        var downloads = plan.Packages.Select(p => DownloadPackageAsync(p, slots, progress, cancellationToken)).ToArray();
        var outcomes = await Task.WhenAll(downloads).ConfigureAwait(false);

        var failures = new List<InstallFailure>();
        var failed = new HashSet<PackageFullName>();
        for (var i = 0; i < outcomes.Length; i++)
        {
            if (outcomes[i] is { } message)
            {
                failures.Add(new InstallFailure(plan.Packages[i].Name, message));
                failed.Add(plan.Packages[i].Name);
            }
        }

        var installed = new List<PackageFullName>();
        long bytes = 0;
        // Dependencies first (the plan's order), so a dependent never shows before its closure.
        foreach (var package in plan.Packages)
        {
            if (failed.Contains(package.Name)) continue;
            // Dependencies were renamed into place before (or were there already).
            var absent = package.RuntimeDependencies.Where(d => !store.IsInstalled(d)).ToList();
            if (absent.Count > 0)
            {
                failures.Add(new InstallFailure(package.Name, $"not installed because its dependency {string.Join(", ", absent)} failed"));
                failed.Add(package.Name);
                DeleteWorkFiles(package.Name);
                continue;
            }
            // No fsync: each rename is atomic, and a crash before the data reaches the disk loses at
            // most packages the interrupted install had not reported as done; rerunning repeats them.
            // Meta first, image last: the image's presence is what makes the package visible.
            File.Move(WorkPath(package.Name, StoreLayout.MetaExtension), store.MetaPath(package.Name), overwrite: true);
            File.Move(WorkPath(package.Name, StoreLayout.ImageExtension), store.ImagePath(package.Name), overwrite: true);
            installed.Add(package.Name);
            bytes += package.Entry.ImageSize + package.Entry.MetaSize;
        }
        return new InstallResult(installed, failures, bytes, stopwatch.Elapsed);
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
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        using var stall = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        try
        {
            stall.CancelAfter(StallTimeout);
            await using var source = await repository.OpenAsync(fileName, stall.Token).ConfigureAwait(false);
            await using var target = new FileStream(workPath, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0, FileOptions.Asynchronous);
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            long total = 0;
            while (true)
            {
                stall.CancelAfter(StallTimeout);
                var read = await source.ReadAsync(buffer.AsMemory(0, BufferSize), stall.Token).ConfigureAwait(false);
                if (read == 0) break;
                total += read;
                if (total > expectedSize)
                {
                    throw new StoreException($"{fileName} from {repository}: size mismatch: expected {expectedSize} bytes, got more");
                }
                hash.AppendData(buffer, 0, read);
                await target.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                transferred(read);
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
            throw new StoreException($"{fileName} from {repository}: no data for {StallTimeout.TotalSeconds:0} s");
        }
        catch (Exception e) when (e is IOException or HttpRequestException or InvalidDataException or UnauthorizedAccessException)
        {
            throw new StoreException($"{fileName} from {repository}: download failed: {e.Message}", e);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            slots.Release();
        }
    }
}
