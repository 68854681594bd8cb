using System.Diagnostics;
using CliWrap;
using Distri.Linux;

namespace Distri.Sandbox;

/// <summary>Where the view daemon of an artifacts directory lives and how to start one.</summary>
/// <param name="Directory">The daemon's directory: its socket, locks, pid, log and list of views.</param>
/// <param name="DistriCommand">How to run <c>distri</c> (a path, or <c>dotnet …/distri.dll</c>).</param>
public sealed record ViewService(string Directory, IReadOnlyList<string> DistriCommand)
{
    /// <summary>Absolute, without a trailing slash: the daemon's command line names it so, and a hung one is found by it.</summary>
    public string Directory { get; init; } = Path.TrimEndingDirectorySeparator(Path.GetFullPath(Directory));

    /// <summary>How long the daemon stays up with no view registered; then it exits and a later build starts it again.</summary>
    public TimeSpan IdleExit { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>How long a request (a registration: one mount) may take before the daemon counts as hung and is replaced.</summary>
    public TimeSpan AnswerTimeout { get; init; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// The filtered /ro of one build, mounted at <c>&lt;env&gt;/ro</c>: a view registered with the long-lived
/// view daemon of the artifacts directory (<c>distri fuse --views DIR</c>, docs/build-environments.md)
/// over the store of links in <c>&lt;env&gt;/store</c>. Registering is one socket round trip; the
/// first build that finds no daemon answering starts one (under a file lock, so parallel builds
/// start one between them) and replaces a dead or hung one. The cleanup target unregisters the
/// view; <c>distri shell</c> registers it again after the build ended.
/// </summary>
public static class BuildView
{
    public static string MountPoint(string environmentDirectory) => Path.Combine(environmentDirectory, "ro");

    /// <summary>The view's store: links to exactly the closure's images and metas.</summary>
    public static string StoreDirectory(string environmentDirectory) => Path.Combine(environmentDirectory, "store");

    /// <summary>
    /// Registers the view and returns once it is mounted, starting or replacing the daemon when
    /// none answers. The view lasts until <see cref="Stop"/>, or until <paramref name="owner"/> exits.
    /// </summary>
    /// <exception cref="InvalidOperationException">The daemon refused the view, or a new daemon did not come up.</exception>
    public static void Start(string environmentDirectory, ViewService service, string store, IEnumerable<string> packages, string self, ProcessIdentity owner)
    {
        var mountPoint = Path.GetFullPath(MountPoint(environmentDirectory));
        Directory.CreateDirectory(mountPoint);
        var registration = new ViewRegistration(mountPoint, Path.GetFullPath(store), [.. packages], self, owner.ToString());
        var request = ViewProtocol.Register + " " + ViewProtocol.Serialize(registration);
        if (Answered(Ask(service, request))) return;

        ViewProtocol.CreateDirectory(service.Directory);
        using (FileLock.Acquire(ViewProtocol.StartLock(service.Directory), service.AnswerTimeout + TimeSpan.FromSeconds(30)))
        {
            // Another build may have started one while this one waited for the lock. A new daemon
            // may still reach its idle exit before the registration (a tiny idle period on a
            // loaded machine): then once more.
            for (var attempt = 0; attempt < 3; attempt++)
            {
                if (Answered(Ask(service, request))) return;
                Replace(service);
            }
            throw new InvalidOperationException($"the new view daemon did not take the view:\n{Tail(ViewProtocol.LogFile(service.Directory))}");
        }
    }

    /// <summary>Registers the view again over the store a build left (every image there, and <paramref name="self"/>), as <see cref="Start"/> does.</summary>
    public static void Restart(string environmentDirectory, ViewService service, string self, ProcessIdentity owner)
    {
        var store = StoreDirectory(environmentDirectory);
        const string image = ".squashfs";
        var packages = Directory.EnumerateFileSystemEntries(store, "*" + image).Select(p => Path.GetFileName(p)[..^image.Length]).Order(StringComparer.Ordinal).ToList();
        Start(environmentDirectory, service, store, packages, self, owner);
    }

    /// <summary>Unregisters the view and detaches any mount left at its mount point; safe to call when nothing is served.</summary>
    public static void Stop(string environmentDirectory, ViewService service)
    {
        var mountPoint = Path.GetFullPath(MountPoint(environmentDirectory));
        Ask(service, ViewProtocol.Unregister + " " + mountPoint);
        // A view of a daemon that died: a lazy detach never blocks on a dead connection.
        if (MountTable.IsMounted(mountPoint)) MountTable.Detach(mountPoint);
    }

    /// <summary>Whether a live file system is mounted at <paramref name="mountPoint"/> (a dead daemon's mount answers nothing).</summary>
    public static bool IsServed(string mountPoint)
    {
        if (!MountTable.IsMounted(mountPoint)) return false;
        try
        {
            Directory.EnumerateFileSystemEntries(mountPoint).Any();
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false; // ENOTCONN
        }
    }

    /// <summary>The mount points the daemon serves now; empty when none runs.</summary>
    public static IReadOnlyList<string> Served(ViewService service) =>
        Ask(service, ViewProtocol.List) is { } reply && reply.StartsWith("ok", StringComparison.Ordinal)
            ? reply[2..].Split('\t', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : [];

    /// <summary>The daemon's pid, or null when none answers.</summary>
    public static int? DaemonProcess(ViewService service) =>
        Ask(service, ViewProtocol.Ping) is { } reply && reply.StartsWith("ok ", StringComparison.Ordinal) && int.TryParse(reply[3..], out var pid) ? pid : null;

    /// <summary>The answer, or null when no daemon answers or a hung one did not in time.</summary>
    private static string? Ask(ViewService service, string request)
    {
        try
        {
            return ViewProtocol.Ask(service.Directory, request, service.AnswerTimeout);
        }
        catch (TimeoutException)
        {
            return null;
        }
    }

    /// <summary>True on <c>ok</c>; false when a new daemon is needed; a refusal is an error.</summary>
    private static bool Answered(string? reply)
    {
        if (reply is null || reply == "error " + ViewProtocol.Exiting) return false;
        if (reply.StartsWith("ok", StringComparison.Ordinal)) return true;
        throw new InvalidOperationException(reply.StartsWith("error ", StringComparison.Ordinal) ? reply[6..] : reply);
    }

    /// <summary>
    /// Ends whatever daemon is left (one on its way out gets a moment, a hung one is killed),
    /// detaches the views a dead one left mounted, and starts a new one; returns once it answers.
    /// Called with the start lock held.
    /// </summary>
    private static void Replace(ViewService service)
    {
        var directory = service.Directory;
        var life = ViewProtocol.LifeLock(directory);
        FileStream? free;
        try
        {
            free = FileLock.Acquire(life, TimeSpan.FromSeconds(2));
        }
        catch (IOException)
        {
            free = null;
        }
        if (free is null)
        {
            KillHung(directory);
            free = FileLock.Acquire(life, TimeSpan.FromSeconds(10));
        }
        free.Dispose();
        var views = ViewProtocol.ViewsFile(directory);
        if (File.Exists(views))
        {
            foreach (var mountPoint in File.ReadAllLines(views).Where(l => l.Length > 0))
                if (MountTable.FileSystemAt(mountPoint) == "fuse.distri") MountTable.Detach(mountPoint);
        }

        var log = ViewProtocol.LogFile(directory);
        if (File.Exists(log) && new FileInfo(log).Length > 1 << 20) File.Delete(log);
        // sh only redirects and execs setsid, which execs the daemon: its own session, so a Ctrl-C
        // meant for one build does not take the views of others down, and none of our pipes.
        var idle = ((long)service.IdleExit.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var daemon = Cli.Wrap("/bin/sh")
            .WithArguments(["-c", "exec setsid \"$@\" >>\"$0\" 2>&1 </dev/null", log, .. service.DistriCommand,
                "fuse", "--views", directory, "--idle-exit-ms", idle])
            .WithValidation(CommandResultValidation.None)
            .ExecuteAsync();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < service.AnswerTimeout)
        {
            if (ViewProtocol.Ask(directory, ViewProtocol.Ping, TimeSpan.FromSeconds(1)) is { } reply && reply.StartsWith("ok", StringComparison.Ordinal)) return;
            // setsid forks when it must, and its parent exits 0 at once: only a failure says anything.
            if (daemon.Task.IsCompleted && daemon.Task.Result.ExitCode != 0)
                throw new InvalidOperationException($"distri fuse --views exited with {daemon.Task.Result.ExitCode}:\n{Tail(log)}");
            Thread.Sleep(1);
        }
        throw new InvalidOperationException($"the view daemon did not answer within {service.AnswerTimeout.TotalSeconds:0} s:\n{Tail(log)}");
    }

    /// <summary>The daemon holds its life lock but does not answer: kill it, if the pid file names it.</summary>
    private static void KillHung(string directory)
    {
        if (!File.Exists(ViewProtocol.PidFile(directory)) || !int.TryParse(File.ReadAllText(ViewProtocol.PidFile(directory)).Trim(), out var pid)) return;
        try
        {
            var commandLine = File.ReadAllText($"/proc/{pid}/cmdline");
            if (!commandLine.Contains("fuse\0--views\0" + directory + "\0", StringComparison.Ordinal)) return;
        }
        catch (IOException)
        {
            return; // gone
        }
        LibC.Signal(pid, LibC.SIGKILL);
    }

    public static string Tail(string log, int lines = 30) =>
        File.Exists(log) ? string.Join('\n', File.ReadLines(log).TakeLast(lines)) : "";
}
