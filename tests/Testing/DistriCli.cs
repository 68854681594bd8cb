
namespace Distri.Testing;

/// <summary>Runs the built CLI (<c>dotnet distri.dll</c> next to the tests) as a child process.</summary>
public static class DistriCli
{
    public static string Dll { get; } = Path.Combine(AppContext.BaseDirectory, "distri.dll");

    public static string Dotnet { get; } = Environment.ProcessPath is { } p && Path.GetFileNameWithoutExtension(p) == "dotnet"
        ? p
        : ExternalTool.Find("dotnet") ?? "dotnet";

    public static ExternalTool.Result Run(params string[] arguments) =>
        ExternalTool.Run(Dotnet, [Dll, .. arguments], timeout: TimeSpan.FromMinutes(2));

    public static string Check(params string[] arguments)
    {
        var result = Run(arguments);
        Assert.AreEqual(0, result.ExitCode, $"distri {string.Join(' ', arguments)}\n{result.StandardOutput}\n{result.StandardError}");
        return result.StandardOutput;
    }
}
