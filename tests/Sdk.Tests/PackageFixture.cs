using System.Text.RegularExpressions;
using Distri.Linux;
using Distri.Sandbox;
using Distri.Testing;

namespace Sdk.Tests;

/// <summary>
/// A throw-away distribution in a temp directory: packages under pkgs/, artifacts beside them, and
/// the files that make <c>&lt;Project Sdk="Distri.Sdk"&gt;</c> resolve to this repository's sdk/.
/// Builds run `dotnet build` as a child process — exactly what packagers run (SDK resolution
/// through NuGet, TaskHostFactory, the Restore target); in-process MSBuild would share one
/// BuildManager and resolver cache across parallel tests and hide those layers.
/// </summary>
public sealed partial class PackageFixture : IDisposable
{
    private readonly TempDirectory _temp = new("sdk");

    public PackageFixture()
    {
        var root = RepoPaths.Root;
        File.WriteAllText(this["global.json"], """{ "msbuild-sdks": { "Distri.Sdk": "1.0.0" } }""");
        File.WriteAllText(this["NuGet.config"], $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="distri-sdk" value="{Path.Combine(root, "eng", "sdk-feed")}" />
              </packageSources>
            </configuration>
            """);
        Directory.CreateDirectory(this["pkgs"]);
    }

    public string Root => _temp.Path;
    public string this[string relative] => Path.Combine(_temp.Path, relative);
    public string Artifacts => this["artifacts"];
    public string Repository => Path.Combine(Artifacts, "repo", "pkg");

    /// <summary>Writes pkgs/&lt;name&gt;/&lt;name&gt;.distpkg and returns its path.</summary>
    public string WritePackage(string name, string body)
    {
        var dir = Directory.CreateDirectory(this[Path.Combine("pkgs", name)]).FullName;
        var path = Path.Combine(dir, name + ".distpkg");
        File.WriteAllText(path, body);
        return path;
    }

    /// <summary>
    /// A tarball holding <c>&lt;dir&gt;/configure</c> (records the prefix) and a Makefile that installs
    /// <c>bin/tiny</c> under DESTDIR: the shape of an autotools package without autotools.
    /// </summary>
    public string MakeTinyTarball(string name = "tiny-1.0", string configureBody = "") => MakeTarball(name, new()
    {
        ["configure"] = $$"""
            #!/bin/sh
            {{configureBody}}
            prefix=/usr/local
            for a in "$@"; do case "$a" in --prefix=*) prefix="${a#--prefix=}";; esac; done
            echo "checking for a tiny package... yes"
            echo "PREFIX=$prefix" > config.mk
            """,
        ["Makefile"] = "include config.mk\nall:\n\tprintf '#!/bin/sh\\necho tiny\\n' > tiny\ninstall: all\n\tmkdir -p $(DESTDIR)$(PREFIX)/bin\n\tinstall -m 755 tiny $(DESTDIR)$(PREFIX)/bin/tiny\n",
    });

    /// <summary>
    /// Writes <paramref name="files"/> under <c>tarballs/DIRECTORY/</c> and packs them,
    /// reproducibly, as <c>tarballs/DIRECTORY.tar.gz</c>; <c>configure</c> and scripts (<c>#!</c>)
    /// are executable. Returns the tarball's path.
    /// </summary>
    public string MakeTarball(string directory, Dictionary<string, string> files)
    {
        var top = Directory.CreateDirectory(this[Path.Combine("tarballs", directory)]).FullName;
        foreach (var (path, content) in files)
        {
            var full = Path.Combine(top, path);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.WriteAllText(full, content.Replace("\r", ""));
            if (Path.GetFileName(path) == "configure" || content.StartsWith("#!", StringComparison.Ordinal))
                File.SetUnixFileMode(full, (UnixFileMode)0b111_101_101);
        }
        var tarball = this[Path.Combine("tarballs", directory + ".tar.gz")];
        ExternalTool.Check("tar", "-czf", tarball, "-C", this["tarballs"], "--mtime=@0", "--owner=0", "--group=0", directory);
        return tarball;
    }

    /// <summary>Writes an executable shell script (a stand-in for a tool) at <paramref name="relative"/>; returns its path.</summary>
    public string WriteScript(string relative, string body)
    {
        var path = this[relative];
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, "#!/bin/sh\n" + body);
        File.SetUnixFileMode(path, (UnixFileMode)0b111_101_101);
        return path;
    }

    /// <summary>A .distpkg body for a tiny tarball package <c>NAME-1.0</c>, with extra items (dependencies).</summary>
    public string TinyPackage(string name, string items = "") => Definition(MakeTinyTarball(name + "-1.0"), items);

    /// <summary>A .distpkg body, version 1.0, building <paramref name="tarball"/>, with extra items.</summary>
    public static string Definition(string tarball, string items = "") => $"""
        <Project Sdk="Distri.Sdk">
          <PropertyGroup>
            <Version>1.0</Version>
          </PropertyGroup>
          <ItemGroup>
            <Source Include="file://{tarball}" Sha256="{Sha256(tarball)}" />
            {items}
          </ItemGroup>
        </Project>
        """;

    public static string Sha256(string path) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(path)));

    /// <summary>`dotnet build` of a package against this fixture's artifacts; output of both streams.</summary>
    public ExternalTool.Result Build(string project, params string[] extra) => Build(project, new Dictionary<string, string>(), extra);

    public ExternalTool.Result Build(string project, Dictionary<string, string> environment, params string[] extra)
    {
        SeedToolchain.Ensure();
        string[] args =
        [
            "build", project, "-nologo", "-v:n", "-nodeReuse:false",
            $"-p:DistriArtifactsDir={Artifacts}/", $"-p:DistriPackagesDir={this["pkgs"]}/",
            $"-p:DistriRepositoryRoot={RepoPaths.Root}", "-p:DistriSkipTasksBuild=true", "-p:DistriHttpTimeoutSeconds=2",
            $"-p:DistriCommand={DistriCli.Command}",
            SeedToolchain.Property,
            .. extra,
        ];
        environment["MSBUILDDISABLENODEREUSE"] = "1";
        environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        environment["DistriSkipPrereqs"] = "true";
        return ExternalTool.Run("dotnet", args, Root, environment, TimeSpan.FromMinutes(10));
    }

    /// <summary>The error lines `file(line): error CODE: …` in a build's output, distinct.</summary>
    public static IReadOnlyList<string> Errors(ExternalTool.Result result, string code) =>
        [.. (result.StandardOutput + result.StandardError).Split('\n').Where(l => l.Contains($"error {code}:", StringComparison.Ordinal))
            .Select(l => NodePrefix().Replace(l.Trim(), "")).Distinct()];

    /// <summary>MSBuild's "1>" / "1:2>" node prefix on a line of a multi-node log.</summary>
    [GeneratedRegex(@"^\d+(:\d+)?>")]
    private static partial Regex NodePrefix();

    /// <summary>The line number a diagnostic gives for <paramref name="file"/>, e.g. `x.distpkg(7): error`.</summary>
    public static int LineOf(string errorLine, string file)
    {
        var match = Regex.Match(errorLine, Regex.Escape(file) + @"\((\d+)(,\d+)?\)");
        return match.Success ? int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : 0;
    }

    public static int LineContaining(string file, string text) =>
        Array.FindIndex(File.ReadAllLines(file), l => l.Contains(text, StringComparison.Ordinal)) + 1;

    public void Dispose()
    {
        // The builds' view daemon outlives them by its idle period; not the fixture. (It would
        // also notice its directory gone and exit, within seconds.)
        if (BuildView.DaemonProcess(new ViewService(Path.Combine(Artifacts, "views"), [])) is { } pid && ProcessIdentity.Of(pid) is { } daemon)
        {
            LibC.Signal(pid, LibC.SIGTERM);
            RoMount.Eventually(() => !daemon.IsAlive, TimeSpan.FromSeconds(10));
        }
        _temp.Dispose();
    }
}
