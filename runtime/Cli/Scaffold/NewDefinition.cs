using System.Text;

namespace Distri.Cli.Scaffold;

/// <summary>
/// What <c>distri new</c> learnt about a package, and the commented <c>.distpkg</c> it writes from
/// that: ready to build as it stands for the builders distri has, with the next steps (flags,
/// dependencies, patches) as comments where they go.
/// </summary>
public sealed record NewDefinition
{
    public required string Name { get; init; }
    public required string Version { get; init; }
    public required BuildSystem Build { get; init; }

    /// <summary>The Source's Include: the upstream URL, or Debian's tarball name when no upstream URL is known.</summary>
    public required string SourceInclude { get; init; }
    public required string Sha256 { get; init; }

    public string? DebianSource { get; init; }
    public string? DebianVersion { get; init; }

    /// <summary>Debian's upstream tarball's hash when it differs from <see cref="Sha256"/> (a repack).</summary>
    public string? DebianSha256 { get; init; }

    /// <summary>Lines for the comment above the Source (where its bytes came from, what to check).</summary>
    public IReadOnlyList<string> SourceNotes { get; init; } = [];

    public string ToXml()
    {
        var x = new StringBuilder();
        x.Append("<Project Sdk=\"Distri.Sdk\">\n");
        x.Append($"  <!-- {Name}: written by `distri new` ({Why()}).\n");
        x.Append($"       Declare what the build needs (<Dependency>), then: dotnet build pkgs/{Name}\n");
        x.Append("       docs/packaging.md has every property and item. -->\n");
        x.Append("  <PropertyGroup>\n");
        x.Append($"    <Version>{Escape(Version)}</Version>\n");
        x.Append("    <!-- Never goes down, not even for a new version: it alone says which build is newer. -->\n");
        x.Append("    <Revision>1</Revision>\n");
        x.Append($"    <Builder>{Build.Builder}</Builder>\n");
        if (Build.Subdirectory is { } sub)
        {
            x.Append($"    <!-- The build files are in {Comment(sub)}/ of the source tree: the builder runs there. -->\n");
            x.Append($"    <SourceSubdirectory>{Escape(sub)}</SourceSubdirectory>\n");
        }
        x.Append(Build.Builder switch
        {
            // Empty elements to fill rather than commented examples: configure's options begin with the "--" no XML comment may hold.
            "autotools" => "    <!-- Options appended to ./configure (after prefix and sysconfdir), e.g. disable-nls. -->\n    <ConfigureFlags></ConfigureFlags>\n",
            "cmake" => "    <!-- Options appended to the cmake call, e.g. -DBUILD_TESTING=OFF. -->\n    <CMakeFlags></CMakeFlags>\n",
            _ => "",
        });
        x.Append("  </PropertyGroup>\n");
        x.Append("  <ItemGroup>\n");
        if (SourceNotes.Count > 0)
            x.Append("    <!-- ").Append(string.Join("\n         ", SourceNotes.Select(Comment))).Append(" -->\n");
        x.Append($"    <Source Include=\"{EscapeItem(SourceInclude)}\"\n");
        x.Append($"            Sha256=\"{Sha256}\"");
        if (DebianSource is not null) x.Append($"\n            DebianSource=\"{Escape(DebianSource)}\" DebianVersion=\"{Escape(DebianVersion ?? "")}\"");
        if (DebianSha256 is not null) x.Append($"\n            DebianSha256=\"{DebianSha256}\"");
        x.Append(" />\n");
        x.Append("    <!-- Build dependencies: built first, and the only packages in the build's /ro besides the toolchain.\n");
        x.Append("    <Dependency Include=\"zlib\" /> -->\n");
        x.Append("    <!-- Patches beside this file, applied in order with patch -p1: <Patch Include=\"fix-foo.patch\" /> -->\n");
        if (Build.Builder == "custom") AppendCustomSteps(x);
        x.Append("  </ItemGroup>\n");
        x.Append("</Project>\n");
        return x.ToString();
    }

    private string Why() => Build.BuildFile is { } file
        ? $"the source tree has {file}"
        : "no configure, CMakeLists.txt, meson.build, pyproject.toml, setup.py or Makefile.PL in the source tree: custom steps";

    /// <summary>custom: steps that fit what the tree has, each run in the source tree in the build sandbox.</summary>
    private void AppendCustomSteps(StringBuilder x)
    {
        x.Append("    <!-- The steps run in order in the source tree, in the build sandbox. They must install under\n");
        x.Append("         $(DistriPrefix) (/ro/<full>/out) through DESTDIR=$(DistriDestDir). -->\n");
        if (Build.HasAutoconfInput)
        {
            x.Append("    <BuildStep Include=\"autoreconf\" Command=\"autoreconf -fi\" />\n");
            x.Append("    <BuildStep Include=\"configure\" Command=\"./configure --prefix=$(DistriPrefix) --sysconfdir=/etc\" />\n");
            x.Append("    <BuildStep Include=\"build\" Command=\"make -j$(DistriJobs)\" />\n");
            x.Append("    <BuildStep Include=\"install\" Command=\"make install DESTDIR=$(DistriDestDir)\" />\n");
        }
        else if (Build.HasMakefile)
        {
            x.Append("    <!-- Makefiles name the prefix differently: PREFIX and prefix are both given. -->\n");
            x.Append("    <BuildStep Include=\"build\" Command=\"make -j$(DistriJobs) PREFIX=$(DistriPrefix) prefix=$(DistriPrefix)\" />\n");
            x.Append("    <BuildStep Include=\"install\" Command=\"make install DESTDIR=$(DistriDestDir) PREFIX=$(DistriPrefix) prefix=$(DistriPrefix)\" />\n");
        }
        else
        {
            x.Append($"    <BuildStep Include=\"build\" Command=\"echo 'pkgs/{Name}/{Name}.distpkg: write the build steps of {Name} here' &gt;&amp;2; exit 1\" />\n");
        }
    }

    private static string Escape(string text) => System.Security.SecurityElement.Escape(text);

    /// <summary>Text inside an XML comment, which may hold anything but "--".</summary>
    private static string Comment(string text) => text.Replace("--", "- -", StringComparison.Ordinal);

    /// <summary>An item's Include: MSBuild reads %, ;, $, @, * and ? specially there, so they are %-escaped as it expects.</summary>
    private static string EscapeItem(string text)
    {
        var escaped = new StringBuilder();
        foreach (var c in text)
            escaped.Append(c is '%' or ';' or '$' or '@' or '*' or '?' ? $"%{(int)c:X2}" : c);
        return Escape(escaped.ToString());
    }
}
