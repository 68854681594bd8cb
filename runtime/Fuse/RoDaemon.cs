using System.Runtime.InteropServices;
using Distri.Fuse.Control;
using Distri.Fuse.Native;
using Distri.Fuse.Store;
using Distri.Linux;
using Microsoft.Win32.SafeHandles;

namespace Distri.Fuse;

/// <summary>What `distri fuse` was asked to serve.</summary>
public sealed class RoDaemonOptions
{
    public required string StoreDirectory { get; init; }
    public required string MountPoint { get; init; }
    /// <summary>When set, the only full names shown (the filtered /ro of a build).</summary>
    public IReadOnlySet<string>? Packages { get; init; }
    /// <summary>Names shown as extra empty directories at the root (build destinations are bound over them).</summary>
    public IReadOnlyList<string> ExtraDirectories { get; init; } = [];
    /// <summary>A file descriptor to write "ready\n" to (and close) once mounted.</summary>
    public int? ReadyFd { get; init; }
    public int MaxThreads { get; init; } = 16;
}

/// <summary>
/// `distri fuse` in the foreground: checks its inputs, mounts /ro, announces readiness, rescans on
/// store changes (inotify) and on control-socket requests, and on SIGINT/SIGTERM unmounts once.
/// </summary>
public static class RoDaemon
{
    private const string Prefix = "distri fuse: ";

    /// <summary>The global exchange directories at the root of /ro.</summary>
    public static IReadOnlyList<string> ExchangeDirectories => StoreSnapshot.ExchangeRoots;

    public static int Run(RoDaemonOptions options, TextWriter output, TextWriter error)
    {
        void Log(string message)
        {
            lock (error) error.WriteLine(Prefix + message);
        }

        var store = Path.GetFullPath(options.StoreDirectory);
        var mountPoint = Path.GetFullPath(options.MountPoint);
        if (CheckEnvironment(store, mountPoint) is { } problem)
        {
            Log(problem);
            return 1;
        }

        RoFileSystem fileSystem;
        try
        {
            fileSystem = new RoFileSystem(new StoreScanner(store, options.Packages, Log), options.ExtraDirectories, Log);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Log($"cannot read store {store}: {e.Message}");
            return 1;
        }

        FuseSession session;
        try
        {
            session = FuseSession.Mount(fileSystem, mountPoint, MountOptions());
        }
        catch (IOException e)
        {
            Log(e.Message);
            return 1;
        }
        catch (DllNotFoundException)
        {
            Log("libfuse3.so.3 is not installed (Debian: apt-get install libfuse3-3 fuse3)");
            return 1;
        }

        fileSystem.Session = session;
        var stopped = false;
        var done = new ManualResetEventSlim(); // not disposed: an abandoned loop thread may still set it
        var status = 0;
        var loop = new Thread(() =>
        {
            status = session.Run(options.MaxThreads);
            done.Set();
        }) { Name = "fuse loop", IsBackground = true };
        using (PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop))
        using (PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop))
        using (ControlServer.TryStart(store, fileSystem.Rescan, session.Requests.ToString, Log))
        using (WatchStore(store, fileSystem, Log))
        {
            loop.Start();
            AnnounceReady(output, options.ReadyFd, Log);
            done.Wait();
        }
        // A busy mount was detached lazily and its loop threads may sit in read() until the last
        // user leaves; exiting closes /dev/fuse, which ends the connection, so do not wait long.
        if (!loop.Join(TimeSpan.FromSeconds(3)))
        {
            Log($"{mountPoint} was still in use; detached it and exiting");
            return 0; // not destroying the session under libfuse's running threads
        }
        session.Dispose();
        return status < 0 && !Volatile.Read(ref stopped) ? 1 : 0;

        void Stop(PosixSignalContext context)
        {
            // Keep the runtime from exiting before the loop has finished and the session is destroyed.
            context.Cancel = true;
            Volatile.Write(ref stopped, true);
            session.Stop();
            done.Set();
        }
    }

    /// <param name="autoUnmount">Let fusermount3 unmount when the daemon dies. libfuse then always mounts
    /// through that setuid helper (a fork and exec, a few ms), even as root, where mount(2) is direct.</param>
    internal static string MountOptions(bool autoUnmount = true)
    {
        // Only root may let other users in without user_allow_other in /etc/fuse.conf; /ro is for everyone.
        var allowOther = LibC.EffectiveUserId == 0 ? ",allow_other" : "";
        return "ro," + (autoUnmount ? "auto_unmount," : "") + "default_permissions,fsname=distri,subtype=distri" + allowOther;
    }

    /// <summary>The first reason we cannot mount, as one clear message, or null.</summary>
    internal static string? CheckEnvironment(string store, string mountPoint)
    {
        if (!Directory.Exists(store)) return $"store directory {store} does not exist";
        if (!Directory.Exists(mountPoint)) return $"mount point {mountPoint} does not exist or is not a directory";
        if (!File.Exists("/dev/fuse")) return "/dev/fuse is missing: load the fuse module (modprobe fuse), or pass the device into this container";
        if (MountTable.FileSystemAt(mountPoint) is { } type) return $"mount point {mountPoint} is in use ({type} is mounted there); unmount it first";
        return null;
    }

    private static void AnnounceReady(TextWriter output, int? readyFd, Action<string> log)
    {
        output.WriteLine("ready");
        output.Flush();
        if (readyFd is not { } fd) return;
        try
        {
            using var stream = new FileStream(new SafeFileHandle(fd, ownsHandle: true), FileAccess.Write, bufferSize: 1);
            stream.Write("ready\n"u8);
        }
        catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException)
        {
            log($"cannot write to ready fd {fd}: {e.Message}");
        }
    }

    /// <summary>
    /// The cheap trigger besides the control socket: inotify on the store directory. Images are
    /// renamed into place last, so a created, renamed, deleted or written *.squashfs is the signal; bursts
    /// (an install of many packages) are coalesced into one rescan 200 ms after the last event.
    /// </summary>
    private static IDisposable WatchStore(string store, RoFileSystem fileSystem, Action<string> log)
    {
        var timer = new Timer(_ =>
        {
            try
            {
                fileSystem.Rescan();
            }
            // An exception escaping a timer callback ends the process, and /ro with it: whatever
            // the store holds, log it and keep serving the previous snapshot.
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                log($"rescan of {store} failed: {e.Message}");
            }
        });
        // Writes count too: an image copied into place (not renamed) is seen half-written first, and
        // the rescan after its last write replaces that broken package with the complete one.
        var watcher = new FileSystemWatcher(store, "*" + Distri.Packages.StoreLayout.ImageExtension)
        {
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size,
            IncludeSubdirectories = false,
        };
        FileSystemEventHandler changed = (_, _) => timer.Change(TimeSpan.FromMilliseconds(200), Timeout.InfiniteTimeSpan);
        watcher.Created += changed;
        watcher.Deleted += changed;
        watcher.Changed += changed;
        watcher.Renamed += (_, _) => timer.Change(TimeSpan.FromMilliseconds(200), Timeout.InfiniteTimeSpan);
        watcher.EnableRaisingEvents = true;
        return new Disposables(watcher, timer);
    }

    private sealed class Disposables(params IDisposable[] items) : IDisposable
    {
        public void Dispose()
        {
            foreach (var item in items) item.Dispose();
        }
    }
}
