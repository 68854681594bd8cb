using System.Diagnostics;
using Distri.Testing;

namespace Store.Tests.Fixtures;

/// <summary>A running <c>distri export --listen 127.0.0.1:0 DIR</c> child process; killed on dispose.</summary>
public sealed class DistriExport : IDisposable
{
    private readonly Process _process;

    private DistriExport(Process process, Uri baseUri)
    {
        _process = process;
        BaseUri = baseUri;
    }

    /// <summary>The base URL it printed (for <c>--repo</c>).</summary>
    public Uri BaseUri { get; }

    public bool HasExited => _process.HasExited;

    /// <summary>What it wrote on stderr; only once it has exited (nothing drains the pipe before).</summary>
    public string StandardErrorAfterExit => _process.HasExited ? _process.StandardError.ReadToEnd() : "";

    public static async Task<DistriExport> StartAsync(string directory)
    {
        var info = new ProcessStartInfo(DistriCli.Dotnet) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { DistriCli.Dll, "export", "--listen", "127.0.0.1:0", directory }) info.ArgumentList.Add(a);
        var process = Process.Start(info)!;
        try
        {
            var line = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
            Assert.IsNotNull(line, $"distri export ended: {await process.StandardError.ReadToEndAsync()}");
            return new DistriExport(process, new Uri(line.Split(" at ")[1]));
        }
        catch
        {
            process.Kill();
            process.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill();
        _process.WaitForExit();
        _process.Dispose();
    }
}
