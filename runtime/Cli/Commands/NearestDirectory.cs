namespace Distri.Cli.Commands;

/// <summary>A checkout's directories (pkgs/, artifacts/) as commands find them: the nearest at or above where they run.</summary>
internal static class NearestDirectory
{
    /// <summary>The nearest <c>name</c> directory at or above <paramref name="start"/>; else <c>start/name</c>.</summary>
    public static string Find(string start, string name)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, name);
            if (Directory.Exists(candidate)) return candidate;
        }
        return Path.Combine(start, name);
    }
}
