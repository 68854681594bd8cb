namespace Distri.Packages;

/// <summary>
/// The <c>&lt;name&gt;.slnx</c> beside a package definition: MSBuild discovers only <c>*.*proj</c> and
/// solutions in a directory, never <c>.distpkg</c>, so <c>dotnet build pkgs/&lt;name&gt;</c> needs one
/// listing the definition (pkgs/Directory.Solution.targets does the rest). Written by
/// <c>distri new</c>, and by <c>dotnet build build.proj</c> for a package folder that lacks it.
/// </summary>
public static class PackageSolution
{
    public const string Extension = ".slnx";

    /// <summary>The project type MSBuild's solution support needs to build a project that is not C# or VB.</summary>
    private const string ProjectType = "13b669be-bb05-4ddf-9536-439f39a36129";

    public static string PathFor(string definitionPath) => Path.ChangeExtension(definitionPath, Extension);

    /// <summary>The solution for a definition file, as every package folder has it.</summary>
    public static string Content(string definitionPath)
    {
        var folder = Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(definitionPath)));
        return $"""
            <Solution>
              <!-- Lets `dotnet build pkgs/{folder}` find the package (see ../Directory.Solution.targets). -->
              <Project Path="{Path.GetFileName(definitionPath)}" Type="{ProjectType}" />
            </Solution>

            """;
    }

    /// <summary>Writes the definition's solution unless it has one (never replaced: a packager may have edited it); true when written.</summary>
    public static bool WriteIfMissing(string definitionPath)
    {
        var path = PathFor(definitionPath);
        try
        {
            using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
            using var writer = new StreamWriter(file);
            writer.Write(Content(definitionPath));
            return true;
        }
        catch (IOException) when (File.Exists(path))
        {
            return false;
        }
    }
}
