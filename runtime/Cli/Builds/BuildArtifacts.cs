using Distri.Packages;

namespace Distri.Cli.Builds;

/// <summary>
/// What package builds left in an artifacts directory, found by package name: the build trees
/// (<c>build/&lt;full&gt;/</c>) and logs (<c>logs/&lt;full&gt;.log</c>). Several full names of one
/// package may be there (older versions and revisions): the newest written is the last build.
/// </summary>
internal sealed class BuildArtifacts(string directory)
{
    /// <summary>The file the SDK's sandbox spec is in, relative to a build tree: its presence marks one that ran steps in a sandbox.</summary>
    public const string SpecFile = "env/sandbox.json";

    public string Directory { get; } = Path.GetFullPath(directory);

    /// <summary>The newest build log of the package; null when it has none.</summary>
    public string? NewestLog(string name) =>
        Newest(Path.Combine(Directory, "logs"), name, ".log", log => log);

    /// <summary>The newest build tree of the package that ran its steps in a sandbox (it holds the spec); null when none did.</summary>
    public string? NewestBuildTree(string name) =>
        Newest(Path.Combine(Directory, "build"), name, "", tree => Path.Combine(tree, SpecFile));

    /// <summary>
    /// The package a command-line argument names: a package folder (or its definition) gives the
    /// name its definition declares; anything else is taken as the name itself.
    /// </summary>
    public static string PackageName(string argument)
    {
        var definition = argument.EndsWith(PackageDefinition.Extension, StringComparison.Ordinal) && File.Exists(argument) ? argument
            : System.IO.Directory.Exists(argument) ? System.IO.Directory.EnumerateFiles(argument, "*" + PackageDefinition.Extension).Order(StringComparer.Ordinal).FirstOrDefault()
            : null;
        return definition is null ? argument : PackageDefinition.Read(definition).Name;
    }

    /// <summary>
    /// Among the <c>&lt;full&gt;&lt;suffix&gt;</c> entries of <paramref name="parent"/> whose full name is
    /// of package <paramref name="name"/>, the one whose <paramref name="stamp"/> file exists and was
    /// written last.
    /// </summary>
    private static string? Newest(string parent, string name, string suffix, Func<string, string> stamp)
    {
        if (!System.IO.Directory.Exists(parent)) return null;
        return System.IO.Directory.EnumerateFileSystemEntries(parent, name + "-*" + suffix)
            .Where(path => Path.GetFileName(path) is var file && file.EndsWith(suffix, StringComparison.Ordinal)
                && PackageFullName.TryParse(file[..^suffix.Length], out var full) && full.Name == name
                && File.Exists(stamp(path)))
            .OrderByDescending(path => File.GetLastWriteTimeUtc(stamp(path))).ThenByDescending(path => path, StringComparer.Ordinal)
            .FirstOrDefault();
    }
}
