using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using Distri.Testing;

namespace Fuse.Tests.Mounting;

/// <summary>
/// A `distri fuse` daemon run as a child process (the built distri.dll next to the tests) on a
/// mount point in a temp directory; started when it printed "ready", and always unmounted on dispose.
/// </summary>
internal sealed partial class RoMount : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stderr = new();

    private RoMount(Process process, string store, string mountPoint)
    {
        _process = process;
        Store = store;
        MountPoint = mountPoint;
    }

    public string Store { get; }

    public string MountPoint { get; }

    public Process Process => _process;

    public string StandardError
    {
        get
        {
            lock (_stderr) return _stderr.ToString();
        }
    }

    public string this[string relative] => Path.Combine(MountPoint, relative);

    public static RoMount Start(string store, string mountPoint, params string[] options)
    {
        var process = StartDaemon(store, mountPoint, options);
        var mount = new RoMount(process, store, mountPoint);
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (mount._stderr) mount._stderr.AppendLine(e.Data);
        };
        process.BeginErrorReadLine();
        var ready = process.StandardOutput.ReadLineAsync();
        if (!ready.Wait(TimeSpan.FromSeconds(60)) || ready.Result != "ready")
        {
            mount.Dispose();
            Assert.Fail($"distri fuse did not become ready (got '{(ready.IsCompleted ? ready.Result : "nothing")}'):\n{mount.StandardError}");
        }
        return mount;
    }

    /// <summary>Runs the daemon expecting it to fail at once; returns its exit code and stderr.</summary>
    public static (int ExitCode, string Error) RunExpectingFailure(string store, string mountPoint, params string[] options)
    {
        using var process = StartDaemon(store, mountPoint, options);
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill();
            Assert.Fail("distri fuse kept running although it should have failed");
        }
        return (process.ExitCode, error.Result);
    }

    private static Process StartDaemon(string store, string mountPoint, string[] options)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "distri.dll"));
        info.ArgumentList.Add("fuse");
        info.ArgumentList.Add("--store");
        info.ArgumentList.Add(store);
        foreach (var o in options) info.ArgumentList.Add(o);
        info.ArgumentList.Add(mountPoint);
        return Process.Start(info)!;
    }

    /// <summary>The kernel requests the daemon has served so far, by kind (lookup, getattr, readdirplus, …).</summary>
    public Dictionary<string, long> Requests()
    {
        var socket = Distri.Fuse.Control.FuseControl.SocketPath(Store, _process.Id);
        var reply = Distri.Fuse.Control.FuseControl.AskAsync(socket, "requests", TimeSpan.FromSeconds(30)).GetAwaiter().GetResult()
            ?? throw new AssertFailedException($"the daemon did not answer on {socket}");
        return reply.Split(' ').Skip(1).Select(p => p.Split('='))
            .ToDictionary(p => p[0], p => long.Parse(p[1], System.Globalization.CultureInfo.InvariantCulture));
    }

    public static bool IsMounted(string mountPoint) =>
        File.ReadLines("/proc/self/mountinfo").Any(l => l.Split(' ') is { Length: > 4 } f && f[4] == mountPoint);

    /// <summary>Waits up to <paramref name="timeout"/> for <paramref name="condition"/>.</summary>
    public static bool Eventually(Func<bool> condition, TimeSpan timeout)
    {
        var end = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < end)
        {
            if (condition()) return true;
            Thread.Sleep(50);
        }
        return condition();
    }

    public void Signal(int signal) => Kill(_process.Id, signal);

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                Signal(15);
                if (!_process.WaitForExit(TimeSpan.FromSeconds(15))) _process.Kill();
            }
        }
        finally
        {
            if (IsMounted(MountPoint)) ExternalTool.Run("umount", ["-l", MountPoint]);
            _process.Dispose();
        }
    }

    [LibraryImport("libc", EntryPoint = "kill")]
    private static partial int Kill(int pid, int signal);
}
