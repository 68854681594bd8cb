using System.Text;
using CliWrap;

namespace Distri.Testing;

/// <summary>Runs external programs for tests, capturing output; a non-zero exit fails loudly with both streams.</summary>
public static class ExternalTool
{
    /// <param name="Output">Standard output as the bytes written (a listing of raw names need not be UTF-8).</param>
    public sealed record Result(int ExitCode, byte[] Output, string StandardError)
    {
        public string StandardOutput => Encoding.UTF8.GetString(Output);
    }

    public static string? Find(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(':').Append("/usr/sbin").Append("/sbin"))
        {
            var candidate = System.IO.Path.Combine(dir, name);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    /// <summary>Runs and returns the result whatever the exit code; standard input is empty.</summary>
    /// <exception cref="TimeoutException">It did not finish within <paramref name="timeout"/> (5 minutes): it was killed.</exception>
    public static Result Run(string fileName, IEnumerable<string> arguments, string? workingDirectory = null,
        IDictionary<string, string>? environment = null, TimeSpan? timeout = null)
    {
        var argumentList = arguments.ToList();
        using var output = new MemoryStream();
        var error = new StringBuilder();
        using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(5));
        try
        {
            var result = Cli.Wrap(fileName).WithArguments(argumentList)
                .WithWorkingDirectory(workingDirectory ?? Environment.CurrentDirectory)
                .WithEnvironmentVariables((environment ?? new Dictionary<string, string>()).ToDictionary(e => e.Key, e => (string?)e.Value))
                .WithStandardOutputPipe(PipeTarget.ToStream(output))
                .WithStandardErrorPipe(PipeTarget.ToStringBuilder(error))
                .WithValidation(CommandResultValidation.None)
                .ExecuteAsync(deadline.Token).GetAwaiter().GetResult();
            return new Result(result.ExitCode, output.ToArray(), error.ToString());
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            throw new TimeoutException($"{fileName} {string.Join(' ', argumentList)} did not finish in time:\n{error}");
        }
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
