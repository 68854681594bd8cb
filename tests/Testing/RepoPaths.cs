using System.Reflection;

namespace Distri.Testing;

/// <summary>Paths inside the repository, found from the test assembly's location.</summary>
public static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    /// <summary>The tasks assembly the SDK loads (sdk/Sdk/Distri.Paths.props, recorded at build time).</summary>
    public static string TasksAssembly { get; } = typeof(RepoPaths).Assembly.GetCustomAttributes<System.Reflection.AssemblyMetadataAttribute>()
        .Single(a => a.Key == "DistriTasksAssembly").Value!;

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "build.proj")) && Directory.Exists(System.IO.Path.Combine(dir.FullName, "sdk")))
                return dir.FullName;
        }
        throw new InvalidOperationException("cannot find the repository root above " + AppContext.BaseDirectory);
    }
}
