using System.Diagnostics;
using Distri.Testing;

namespace Store.Tests.Fixtures;

/// <summary>A running <c>distri export --listen 127.0.0.1:0 DIR</c> child process; killed on dispose.</summary>
public sealed class DistriExport : IDisposable
{
    private DistriExport(Process process, Uri baseUri)
    {
        Process = process;
        BaseUri = baseUri;
    }

    public Process Process { get; }

    /// <summary>The base URL it printed (for <c>--repo</c>).</summary>
    public Uri BaseUri { get; }

    public bool HasExited => Process.HasExited;

    /// <summary>What it wrote on stderr; only once it has exited (nothing drains the pipe before).</summary>
    public string StandardErrorAfterExit => Process.HasExited ? Process.StandardError.ReadToEnd() : "";

    public static async Task<DistriExport> StartAsync(string directory)
    {
        var process = DistriCli.Start("export", "--listen", "127.0.0.1:0", directory);
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
        if (!Process.HasExited) Process.Kill();
        Process.WaitForExit();
        Process.Dispose();
    }
}
