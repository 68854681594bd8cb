using System.Diagnostics;

namespace Distri.Testing;

/// <summary>
/// The built <c>distri</c> (<c>distri.dll</c> next to the tests, run by the same <c>dotnet</c>):
/// to completion (<see cref="Run"/>), or started and left running (<see cref="Start"/>: export, fuse).
/// </summary>
public static class DistriCli
{
    public static string Dll { get; } = Path.Combine(AppContext.BaseDirectory, "distri.dll");

    public static string Dotnet { get; } = Environment.ProcessPath is { } p && Path.GetFileNameWithoutExtension(p) == "dotnet"
        ? p
        : ExternalTool.Find("dotnet") ?? "dotnet";

    /// <summary>How the SDK is to run it (its <c>DistriCommand</c>: words split on blanks).</summary>
    public static string Command => $"{Dotnet} {Dll}";

    public static ExternalTool.Result Run(params string[] arguments) => Run(arguments, workingDirectory: null);

    public static ExternalTool.Result Run(IEnumerable<string> arguments, string? workingDirectory,
        TimeSpan? timeout = null, IDictionary<string, string>? environment = null) =>
        ExternalTool.Run(Dotnet, [Dll, .. arguments], workingDirectory, environment, timeout ?? TimeSpan.FromMinutes(5));

    public static string Check(params string[] arguments)
    {
        var result = Run(arguments);
        Assert.AreEqual(0, result.ExitCode, $"distri {string.Join(' ', arguments)}\n{result.StandardOutput}\n{result.StandardError}");
        return result.StandardOutput;
    }

    /// <summary>Starts it with standard output and error redirected (the caller reads or drains them) and disposes of it.</summary>
    public static Process Start(params string[] arguments)
    {
        var info = new ProcessStartInfo(Dotnet) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in (string[])[Dll, .. arguments]) info.ArgumentList.Add(a);
        return Process.Start(info)!;
    }
}
