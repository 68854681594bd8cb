using System.Diagnostics;
using System.Text;
using Distri.Linux;

namespace Distri.Testing;

/// <summary>
/// A <c>distri fuse</c> daemon (the built CLI) serving a store on a mount point: started once it
/// printed <c>ready</c>; on dispose stopped (SIGTERM, then SIGKILL) and its mount detached if it
/// left one. Its stderr is drained as it comes (a daemon logging bad images must never block on a
/// full pipe) and kept, up to 64 KiB.
/// </summary>
public sealed class RoMount : IDisposable
{
    private const int KeptErrorChars = 64 * 1024;

    private readonly StringBuilder _standardError = new();

    private RoMount(Process process, string mountPoint)
    {
        Process = process;
        MountPoint = mountPoint;
    }

    public string MountPoint { get; }

    public Process Process { get; }

    public bool HasExited => Process.HasExited;

    public string this[string relative] => Path.Combine(MountPoint, relative);

    /// <summary>What it logged so far (the first 64 KiB).</summary>
    public string StandardError
    {
        get
        {
            lock (_standardError) return _standardError.ToString();
        }
    }

    /// <summary>A memory figure of the daemon in KiB from /proc/PID/status: VmRSS (resident now) or VmHWM (the peak so far).</summary>
    public long MemoryKilobytes(string field) =>
        long.Parse(File.ReadLines($"/proc/{Process.Id}/status").First(l => l.StartsWith(field + ":", StringComparison.Ordinal))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture);

    /// <summary><c>distri fuse --store STORE [OPTIONS…] MOUNTPOINT</c>, once ready; fails the test when it is not within a minute.</summary>
    public static RoMount Start(string store, string mountPoint, params string[] options)
    {
        var mount = new RoMount(DistriCli.Start(["fuse", "--store", store, .. options, mountPoint]), mountPoint);
        mount.Process.ErrorDataReceived += (_, e) =>
        {
            lock (mount._standardError)
            {
                if (e.Data is not null && mount._standardError.Length < KeptErrorChars) mount._standardError.AppendLine(e.Data);
            }
        };
        mount.Process.BeginErrorReadLine();
        var ready = mount.Process.StandardOutput.ReadLineAsync();
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
        var result = DistriCli.Run(["fuse", "--store", store, .. options, mountPoint], workingDirectory: null, TimeSpan.FromSeconds(60));
        return (result.ExitCode, result.StandardError);
    }

    public static bool IsMounted(string mountPoint) => MountTable.IsMounted(mountPoint);

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

    public void Signal(int signal) => LibC.Signal(Process.Id, signal);

    public void Dispose()
    {
        try
        {
            if (!Process.HasExited)
            {
                Signal(LibC.SIGTERM);
                if (!Process.WaitForExit(TimeSpan.FromSeconds(15))) Process.Kill();
            }
        }
        finally
        {
            if (IsMounted(MountPoint)) MountTable.Detach(MountPoint);
            Process.Dispose();
        }
    }
}
