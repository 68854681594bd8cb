using System.Diagnostics;

namespace Distri.Testing;

/// <summary>Runs external programs for tests, capturing output; a non-zero exit fails loudly with both streams.</summary>
public static class ExternalTool
{
    public sealed record Result(int ExitCode, string StandardOutput, string StandardError);

    public static string? Find(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(':').Append("/usr/sbin").Append("/sbin"))
        {
            var candidate = System.IO.Path.Combine(dir, name);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    /// <summary>Runs and returns the result whatever the exit code.</summary>
    public static Result Run(string fileName, IEnumerable<string> arguments, string? workingDirectory = null,
        IDictionary<string, string>? environment = null, TimeSpan? timeout = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var a in arguments) info.ArgumentList.Add(a);
        if (environment is not null)
            foreach (var (k, v) in environment) info.Environment[k] = v;
        using var process = Process.Start(info)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout ?? TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', arguments)} did not finish in time");
        }
        return new Result(process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Runs and throws with the full output when the exit code is not 0.</summary>
    public static string Check(string fileName, params string[] arguments)
    {
        var r = Run(fileName, arguments);
        if (r.ExitCode != 0)
            throw new InvalidOperationException($"{fileName} {string.Join(' ', arguments)} exited {r.ExitCode}\n{r.StandardOutput}\n{r.StandardError}");
        return r.StandardOutput;
    }
}
