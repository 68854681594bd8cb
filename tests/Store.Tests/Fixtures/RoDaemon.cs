using System.Diagnostics;
using System.Text;
using Distri.Testing;

namespace Store.Tests.Fixtures;

/// <summary>
/// `distri fuse` (the built CLI) serving a test store on a mount point in a temp directory:
/// started once it printed "ready", stopped and unmounted on dispose. Its stderr is drained as it
/// comes (a daemon logging bad images must never block on a full pipe) and kept, up to 64 KiB.
/// </summary>
public sealed class RoDaemon : IDisposable
{
    private const int KeptErrorChars = 64 * 1024;

    private readonly Process _process;
    private readonly StringBuilder _standardError = new();

    private RoDaemon(Process process, string mountPoint)
    {
        _process = process;
        MountPoint = mountPoint;
    }

    public string MountPoint { get; }

    public bool HasExited => _process.HasExited;

    /// <summary>What it logged so far (the first 64 KiB).</summary>
    public string StandardError
    {
        get
        {
            lock (_standardError) return _standardError.ToString();
        }
    }

    /// <summary>The daemon's peak resident memory so far (VmHWM), in KiB.</summary>
    public long PeakResidentKilobytes =>
        long.Parse(File.ReadLines($"/proc/{_process.Id}/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture);

    public static RoDaemon Start(string storeDirectory, string mountPoint)
    {
        var info = new ProcessStartInfo(DistriCli.Dotnet) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { DistriCli.Dll, "fuse", "--store", storeDirectory, mountPoint }) info.ArgumentList.Add(a);
        var process = Process.Start(info)!;
        var daemon = new RoDaemon(process, mountPoint);
        process.ErrorDataReceived += (_, e) =>
        {
            lock (daemon._standardError)
            {
                if (e.Data is not null && daemon._standardError.Length < KeptErrorChars) daemon._standardError.AppendLine(e.Data);
            }
        };
        process.BeginErrorReadLine();
        var ready = process.StandardOutput.ReadLineAsync();
        if (!ready.Wait(TimeSpan.FromSeconds(60)) || ready.Result != "ready")
        {
            daemon.Dispose();
            Assert.Fail($"distri fuse did not become ready: {daemon.StandardError}");
        }
        return daemon;
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                ExternalTool.Run("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
                if (!_process.WaitForExit(TimeSpan.FromSeconds(15))) _process.Kill();
            }
        }
        finally
        {
            if (File.ReadLines("/proc/self/mountinfo").Any(l => l.Split(' ') is { Length: > 4 } f && f[4] == MountPoint))
                ExternalTool.Run("umount", ["-l", MountPoint]);
            _process.Dispose();
        }
    }
}
