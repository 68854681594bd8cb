using System.Globalization;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Distri.Fuse.Native;
using Distri.Fuse.Store;
using Distri.Linux;
using Distri.Packages;
using Distri.Sandbox;

namespace Distri.Fuse.Views;

/// <summary>What `distri fuse --views DIR` was asked to do.</summary>
public sealed class ViewDaemonOptions
{
    /// <summary>The daemon's directory (<see cref="ViewProtocol"/> names its files).</summary>
    public required string Directory { get; init; }

    /// <summary>Exit after this long with no view registered.</summary>
    public TimeSpan IdleExit { get; init; } = TimeSpan.FromMinutes(10);

    public int MaxThreads { get; init; } = 16;
}

/// <summary>
/// The long-lived view daemon of an artifacts directory: serves the filtered /ro of every build
/// that registers one, each view its own FUSE mount at the build's mount point — exactly what a
/// `distri fuse --pkgs CLOSURE --extra-dir SELF` daemon shows, without a process start per build.
/// Holds <see cref="ViewProtocol.LifeLock"/> for its life, drops a view whose owner process has
/// exited, and exits after <see cref="ViewDaemonOptions.IdleExit"/> with no view, or on SIGTERM.
/// A request is served or answered with an error: nothing a build asks for, nor anything in a
/// store, ends the daemon.
/// </summary>
public static class ViewDaemon
{
    private const string Prefix = "distri fuse --views: ";

    public static int Run(ViewDaemonOptions options, TextWriter output, TextWriter error)
    {
        void Log(string message)
        {
            lock (error) error.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {Prefix}{message}");
        }

        var directory = Path.TrimEndingDirectorySeparator(Path.GetFullPath(options.Directory));
        if (!File.Exists("/dev/fuse"))
        {
            Log("/dev/fuse is missing: load the fuse module (modprobe fuse), or pass the device into this container");
            return 1;
        }
        ViewProtocol.CreateDirectory(directory);
        using var life = FileLock.TryAcquire(ViewProtocol.LifeLock(directory));
        if (life is null)
        {
            Log($"another daemon serves {directory}");
            return 1;
        }
        File.WriteAllText(ViewProtocol.PidFile(directory), Environment.ProcessId.ToString(CultureInfo.InvariantCulture));

        using var images = new SharedImages();
        var views = new ServedViews(directory, options, images, Log);
        var socketPath = ViewProtocol.SocketPath(directory);
        File.Delete(socketPath); // a dead daemon's: the life lock was free
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(socketPath));
        listener.Listen(64);

        var done = new ManualResetEventSlim();
        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            views.BeginExit();
            done.Set();
        }
        using (PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop))
        using (PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop))
        using (new Timer(_ =>
        {
            try
            {
                if (views.Check()) done.Set();
            }
            // An exception escaping a timer callback ends the process, and every build's view with it.
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                Log($"check failed: {e.Message}");
            }
        }, null, CheckInterval(options.IdleExit), CheckInterval(options.IdleExit)))
        {
            var accepting = new Thread(() => AcceptLoop(listener, views, Log)) { Name = "view requests", IsBackground = true };
            accepting.Start();
            Log($"serving views from {directory} (pid {Environment.ProcessId}, idle exit after {options.IdleExit.TotalSeconds:0.#} s)");
            output.WriteLine("ready");
            output.Flush();
            done.Wait();
        }
        // New requests find no socket (and start a new daemon once the life lock is free); then the views go.
        listener.Close();
        TryDelete(socketPath);
        views.StopAll();
        TryDelete(ViewProtocol.PidFile(directory));
        Log("exiting");
        return 0;
    }

    // The directory may be gone (removed under the daemon): exiting goes on all the same.
    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    // Often enough to notice an idle period ending and owners leaving without spinning.
    private static TimeSpan CheckInterval(TimeSpan idle) =>
        TimeSpan.FromMilliseconds(Math.Clamp(idle.TotalMilliseconds / 4, 50, 10_000));

    private static void AcceptLoop(Socket listener, ServedViews views, Action<string> log)
    {
        while (true)
        {
            Socket client;
            try
            {
                client = listener.Accept();
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return; // closed on exit
            }
            // Requests are served one after the other: a registration is one mount.
            var serving = new Thread(() => Serve(client, views, log)) { Name = "view request", IsBackground = true };
            serving.Start();
        }
    }

    private const int MaxRequest = 1 << 20;

    private static void Serve(Socket client, ServedViews views, Action<string> log)
    {
        using (client)
        {
            try
            {
                client.ReceiveTimeout = 10_000;
                var request = new List<byte>();
                var buffer = new byte[16 * 1024];
                while (!request.Contains((byte)'\n') && request.Count < MaxRequest)
                {
                    var n = client.Receive(buffer);
                    if (n == 0) break;
                    request.AddRange(buffer.AsSpan(0, n));
                }
                var line = Encoding.UTF8.GetString([.. request]).TrimEnd('\n');
                var space = line.IndexOf(' ', StringComparison.Ordinal);
                var (verb, argument) = space < 0 ? (line, "") : (line[..space], line[(space + 1)..]);
                string reply;
                views.Touch();
                try
                {
                    reply = verb switch
                    {
                        ViewProtocol.Ping => "ok " + Environment.ProcessId.ToString(CultureInfo.InvariantCulture),
                        ViewProtocol.Register => views.Register(Parse(argument)),
                        ViewProtocol.Unregister => views.Unregister(argument),
                        ViewProtocol.List => "ok " + string.Join('\t', views.MountPoints),
                        _ => "error unknown request",
                    };
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    reply = "error " + e.Message.ReplaceLineEndings(" ");
                }
                client.Send(Encoding.UTF8.GetBytes(reply + "\n"));
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                log($"request failed: {e.Message}");
            }
        }
    }

    private static ViewRegistration Parse(string json)
    {
        try
        {
            return ViewProtocol.Deserialize(json) ?? throw new InvalidDataException("empty registration");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"malformed registration: {e.Message}", e);
        }
    }

    /// <summary>The views served now, by mount point; every change under one lock, the views file kept up to date.</summary>
    private sealed class ServedViews(string directory, ViewDaemonOptions options, SharedImages images, Action<string> log)
    {
        private readonly Dictionary<string, View> _views = new(StringComparer.Ordinal);
        private DateTime _emptySince = DateTime.UtcNow;
        private bool _exiting;

        public IReadOnlyList<string> MountPoints
        {
            get
            {
                lock (_views) return [.. _views.Keys.Order(StringComparer.Ordinal)];
            }
        }

        /// <summary>A request came: a build is about to register (it pinged the daemon it started), so the idle period starts again.</summary>
        public void Touch()
        {
            lock (_views)
            {
                if (_views.Count == 0) _emptySince = DateTime.UtcNow;
            }
        }

        public string Register(ViewRegistration registration)
        {
            var mountPoint = Validate(registration, out var packages, out var owner);
            lock (_views)
            {
                if (_exiting) return "error " + ViewProtocol.Exiting;
                // The same build again (a cancelled one's view, a shell's): the new closure wins.
                if (_views.Remove(mountPoint, out var earlier)) earlier.Dispose();
                // A dead daemon's mount, or anything else left there.
                if (MountTable.IsMounted(mountPoint)) MountTable.Detach(mountPoint);
                var view = View.Mount(registration, mountPoint, packages, owner, images, options.MaxThreads, log);
                _views[mountPoint] = view;
                WriteViewsFile();
            }
            return "ok";
        }

        public string Unregister(string mountPoint)
        {
            lock (_views)
            {
                if (_views.Remove(mountPoint, out var view))
                {
                    view.Dispose();
                    if (_views.Count == 0) _emptySince = DateTime.UtcNow;
                    WriteViewsFile();
                }
            }
            return "ok";
        }

        /// <summary>Drops views whose owner exited; true when the daemon has been idle long enough to exit (it then accepts no view).</summary>
        public bool Check()
        {
            lock (_views)
            {
                foreach (var (mountPoint, view) in _views.Where(v => !v.Value.Owner.IsAlive).ToList())
                {
                    log($"{mountPoint}: its owner (pid {view.Owner.ProcessId}) exited without unregistering; dropping the view");
                    _views.Remove(mountPoint);
                    view.Dispose();
                    if (_views.Count == 0) _emptySince = DateTime.UtcNow;
                    WriteViewsFile();
                }
                // The directory was removed (rm -rf artifacts): no build can reach this daemon any more.
                if (!File.Exists(ViewProtocol.SocketPath(directory)))
                {
                    log($"{ViewProtocol.SocketPath(directory)} is gone");
                    _exiting = true;
                }
                if (_views.Count == 0 && DateTime.UtcNow - _emptySince >= options.IdleExit)
                {
                    log($"no view for {options.IdleExit.TotalSeconds:0.#} s");
                    _exiting = true;
                }
                images.Trim();
                return _exiting;
            }
        }

        public void BeginExit()
        {
            lock (_views) _exiting = true;
        }

        public void StopAll()
        {
            lock (_views)
            {
                _exiting = true;
                foreach (var view in _views.Values) view.Dispose();
                _views.Clear();
                WriteViewsFile();
            }
        }

        private void WriteViewsFile()
        {
            try
            {
                AtomicFile.WriteIfChanged(ViewProtocol.ViewsFile(directory), string.Concat(_views.Keys.Order(StringComparer.Ordinal).Select(m => m + "\n")));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                log($"cannot write {ViewProtocol.ViewsFile(directory)} (a replacement would not know these mounts): {e.Message}");
            }
        }

        private static string Validate(ViewRegistration registration, out HashSet<string> packages, out ProcessIdentity owner)
        {
            if (registration.MountPoint is not { } mountPoint || !Path.IsPathFullyQualified(mountPoint) || !Directory.Exists(mountPoint))
                throw new InvalidDataException($"mount point '{registration.MountPoint}' is not an existing absolute directory");
            if (registration.Store is not { } store || !Directory.Exists(store))
                throw new InvalidDataException($"store '{registration.Store}' does not exist");
            if (!PackageFullName.TryParse(registration.Self ?? "", out _, out var selfError))
                throw new InvalidDataException($"self: {selfError}");
            packages = new HashSet<string>(StringComparer.Ordinal);
            foreach (var name in registration.Packages ?? [])
            {
                if (!PackageFullName.TryParse(name, out _, out var error)) throw new InvalidDataException($"packages: {error}");
                packages.Add(name);
            }
            if (!ProcessIdentity.TryParse(registration.Owner ?? "", out owner))
                throw new InvalidDataException($"owner '{registration.Owner}' is not PID@STARTTIME");
            return Path.TrimEndingDirectorySeparator(mountPoint);
        }
    }

    /// <summary>One mounted view: a <see cref="RoFileSystem"/> over the closure's packages and the build's own directory, and its request loop.</summary>
    private sealed class View : IDisposable
    {
        private readonly FuseSession _session;
        private readonly StoreScanner _scanner;
        private readonly Thread _loop;
        private readonly Action<string> _log;

        private View(FuseSession session, StoreScanner scanner, Thread loop, ProcessIdentity owner, Action<string> log)
        {
            _session = session;
            _scanner = scanner;
            _loop = loop;
            Owner = owner;
            _log = log;
        }

        public ProcessIdentity Owner { get; }

        public static View Mount(ViewRegistration registration, string mountPoint, HashSet<string> packages, ProcessIdentity owner, SharedImages images, int maxThreads, Action<string> log)
        {
            void ViewLog(string message) => log($"{mountPoint}: {message}");
            var scanner = new StoreScanner(registration.Store, packages, ViewLog, images);
            var fileSystem = new RoFileSystem(scanner, [registration.Self], ViewLog);
            // Root mounts directly (mount(2)); this daemon unmounts its views itself, and its
            // replacement detaches what a killed one left (the views file).
            var session = FuseSession.Mount(fileSystem, mountPoint, RoDaemon.MountOptions(autoUnmount: LibC.EffectiveUserId != 0));
            fileSystem.Session = session;
            var loop = new Thread(() => session.Run(maxThreads)) { Name = "fuse loop " + registration.Self, IsBackground = true };
            loop.Start();
            ViewLog($"{packages.Count} packages and {registration.Self}, for pid {owner.ProcessId}");
            return new View(session, scanner, loop, owner, log);
        }

        public void Dispose()
        {
            _session.Stop();
            // A busy mount was detached lazily; its loop threads may sit in read() until its last
            // user leaves, so the session is left to them rather than destroyed under them.
            if (!_loop.Join(TimeSpan.FromSeconds(3)))
            {
                _log($"{_session.MountPoint} was still in use; detached it");
                return;
            }
            _session.Dispose();
            _scanner.CloseAll(); // back to the shared images, open for the next build

        }
    }
}
