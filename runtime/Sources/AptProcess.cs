using CliWrap;
using CliWrap.Buffered;

namespace Distri.Sources;

/// <summary>
/// One apt run (apt-get download or source in a private work directory, apt-cache showsrc), with
/// a deadline and stopped with the build (the task's cancellation), its output kept for the
/// error message.
/// </summary>
public static class AptProcess
{
    /// <summary>Runs <paramref name="apt"/> to the end, whatever its exit code.</summary>
    /// <exception cref="OperationCanceledException">The deadline passed or the build was cancelled: it was killed.</exception>
    /// <exception cref="System.ComponentModel.Win32Exception">It cannot be started.</exception>
    public static BufferedCommandResult Run(string apt, IEnumerable<string> arguments, string workDirectory, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        return Cli.Wrap(apt).WithArguments(arguments).WithWorkingDirectory(workDirectory)
            .WithValidation(CommandResultValidation.None)
            .ExecuteBufferedAsync(deadline.Token).GetAwaiter().GetResult();
    }

    /// <summary>Why it failed, in one line: apt's last word (stderr first).</summary>
    public static string Why(BufferedCommandResult result) =>
        (result.StandardError + result.StandardOutput).Trim().Split('\n').LastOrDefault()?.Trim() ?? "";
}
