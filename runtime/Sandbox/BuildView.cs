using System.Diagnostics;
using CliWrap;
using System.Text;
using Distri.Linux;

namespace Distri.Sandbox;

/// <summary>
/// The filtered /ro of one build: a <c>distri fuse --pkgs CLOSURE --extra-dir SELF</c> daemon
/// over the store of links in <c>&lt;env&gt;/store</c>, mounted in <c>&lt;env&gt;/ro</c>, tracked by a
/// pid file so that the cleanup target, or the next build after a cancelled one, can stop it and
/// make sure the mount is gone. <c>distri shell</c> starts it again over the same store after the
/// build ended.
/// </summary>
public static class BuildView
{
    public static string MountPoint(string environmentDirectory) => Path.Combine(environmentDirectory, "ro");

    /// <summary>The view's store: links to exactly the closure's images and metas.</summary>
    public static string StoreDirectory(string environmentDirectory) => Path.Combine(environmentDirectory, "store");
    private static string PidFile(string environmentDirectory) => Path.Combine(environmentDirectory, "fuse.pid");
    public static string LogFile(string environmentDirectory) => Path.Combine(environmentDirectory, "fuse.log");

    /// <summary>
    /// Starts the daemon and returns once it printed <c>ready</c> (the mount is live). Its output
    /// goes to a log file, not a pipe: the daemon outlives this task's process.
    /// </summary>
    public static void Start(string environmentDirectory, IReadOnlyList<string> distriCommand, string store,
        IEnumerable<string> packages, string self, TimeSpan timeout)
    {
        var mountPoint = MountPoint(environmentDirectory);
        Directory.CreateDirectory(mountPoint);
        var log = LogFile(environmentDirectory);
        File.WriteAllText(log, "");
        // sh only redirects and execs, so the pid is the daemon's own; the daemon holds none of our
        // pipes, and is left running when this task's process ends.
        var daemon = Cli.Wrap("/bin/sh")
            .WithArguments(["-c", "exec \"$@\" >>\"$0\" 2>&1 </dev/null", log, .. distriCommand,
                "fuse", "--store", store, "--pkgs", string.Join(',', packages), "--extra-dir", self, mountPoint])
            .WithValidation(CommandResultValidation.None)
            .ExecuteAsync();
        File.WriteAllText(PidFile(environmentDirectory), daemon.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));

        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (ReadyLine(log)) return;
            if (daemon.Task.IsCompleted)
                throw new InvalidOperationException($"distri fuse exited with {daemon.Task.Result.ExitCode} before the view was ready:\n{Tail(log)}");
            if (clock.Elapsed > timeout)
            {
                Stop(environmentDirectory);
                throw new TimeoutException($"distri fuse was not ready after {timeout.TotalSeconds:0} s:\n{Tail(log)}");
            }
            Thread.Sleep(1);
        }
    }

    /// <summary>
    /// Starts the daemon again over the store a build left (every image there, and
    /// <paramref name="self"/> as the build's own directory), as <see cref="Start"/> does.
    /// </summary>
    public static void Restart(string environmentDirectory, IReadOnlyList<string> distriCommand, string self, TimeSpan timeout)
    {
        var store = StoreDirectory(environmentDirectory);
        const string image = ".squashfs";
        var packages = Directory.EnumerateFileSystemEntries(store, "*" + image).Select(p => Path.GetFileName(p)[..^image.Length]).Order(StringComparer.Ordinal).ToList();
        Start(environmentDirectory, distriCommand, store, packages, self, timeout);
    }

    /// <summary>Stops the daemon (SIGTERM, then SIGKILL) and detaches any mount left; safe to call when nothing runs.</summary>
    public static void Stop(string environmentDirectory)
    {
        var pidFile = PidFile(environmentDirectory);
        var mountPoint = MountPoint(environmentDirectory);
        if (File.Exists(pidFile) && int.TryParse(File.ReadAllText(pidFile).Trim(), out var pid) && IsOurDaemon(pid, mountPoint))
        {
            LibC.Signal(pid, LibC.SIGTERM);
            var clock = Stopwatch.StartNew();
            while (Directory.Exists($"/proc/{pid}") && !IsZombie(pid) && clock.Elapsed < TimeSpan.FromSeconds(5))
                Thread.Sleep(5);
            if (Directory.Exists($"/proc/{pid}") && !IsZombie(pid)) LibC.Signal(pid, LibC.SIGKILL);
        }
        // The daemon died without unmounting: a lazy detach never blocks on a dead connection.
        if (MountTable.IsMounted(mountPoint)) MountTable.Detach(mountPoint);
        // No environment directory: the build failed before it (a source no origin had) or came from the build cache.
        if (File.Exists(pidFile)) File.Delete(pidFile);
    }

    private static bool IsOurDaemon(int pid, string mountPoint)
    {
        try
        {
            var cmdline = File.ReadAllText($"/proc/{pid}/cmdline");
            return cmdline.Contains("fuse\0", StringComparison.Ordinal) && cmdline.Contains(mountPoint, StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false; // gone
        }
    }

    private static bool IsZombie(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat.Length > stat.LastIndexOf(')') + 2 && stat[stat.LastIndexOf(')') + 2] == 'Z';
        }
        catch (IOException)
        {
            return true;
        }
    }

    private static bool ReadyLine(string log)
    {
        using var stream = new FileStream(log, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var buffer = new byte[Math.Min(stream.Length, 1 << 16)];
        var read = stream.Read(buffer);
        return Encoding.UTF8.GetString(buffer, 0, read).Split('\n').Any(l => l.Trim() == "ready");
    }

    public static string Tail(string log, int lines = 30) =>
        File.Exists(log) ? string.Join('\n', File.ReadLines(log).TakeLast(lines)) : "";
}
