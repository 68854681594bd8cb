using System.Diagnostics;

namespace SquashFs.Tests;

/// <summary>Runs the built `distri` (distri.dll next to the tests) and captures stdout as bytes and text.</summary>
internal static class ReaderCli
{
    public sealed record Result(int ExitCode, byte[] Output, string StandardError)
    {
        public string StandardOutput => System.Text.Encoding.UTF8.GetString(Output);
    }

    public static Result Run(params string[] arguments)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "distri.dll"));
        foreach (var a in arguments) info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync();
        using var output = new MemoryStream();
        process.StandardOutput.BaseStream.CopyTo(output);
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail("distri " + string.Join(' ', arguments) + " did not finish");
        }
        return new Result(process.ExitCode, output.ToArray(), stderr.Result);
    }
}
