using System.Diagnostics;
using Distri.Testing;

namespace Store.Tests.Fixtures;

/// <summary>
/// `distri fuse` (the built CLI) serving a test store on a mount point in a temp directory:
/// started once it printed "ready", stopped and unmounted on dispose.
/// </summary>
public sealed class RoDaemon : IDisposable
{
    private readonly Process _process;

    private RoDaemon(Process process, string mountPoint)
    {
        _process = process;
        MountPoint = mountPoint;
    }

    public string MountPoint { get; }

    public static RoDaemon Start(string storeDirectory, string mountPoint)
    {
        var info = new ProcessStartInfo(DistriCli.Dotnet) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { DistriCli.Dll, "fuse", "--store", storeDirectory, mountPoint }) info.ArgumentList.Add(a);
        var process = Process.Start(info)!;
        var daemon = new RoDaemon(process, mountPoint);
        var ready = process.StandardOutput.ReadLineAsync();
        if (!ready.Wait(TimeSpan.FromSeconds(60)) || ready.Result != "ready")
        {
            daemon.Dispose();
            Assert.Fail($"distri fuse did not become ready: {(process.HasExited ? process.StandardError.ReadToEnd() : "")}");
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
