using System.Text;
using System.Text.RegularExpressions;

namespace Distri.Tasks.BuildEnvironment;

/// <summary>
/// Keeps the host toolchain stage from quietly standing in for a distri package. The host root is
/// visible read-only, so a build that forgot <c>&lt;Dependency Include="ncurses" /&gt;</c> would
/// find the host's libncurses-dev and succeed. For every Debian source package the distribution
/// itself builds (the <c>DebianSource</c> of each .distpkg), the development files its installed
/// binary packages put on the host are shadowed: a header that <c>#error</c>s, a linker script
/// that fails, a pkg-config module that requires a missing one. The shadow directories come after
/// /ro in CPATH, LIBRARY_PATH and PKG_CONFIG_PATH, so a declared dependency in the view always
/// wins, and an undeclared one fails with a message naming the package to declare.
/// No mounts: shadowing the dev symlinks (<c>libtinfo.so</c>) by mounting would hit their runtime
/// targets, which host tools such as bash need.
/// </summary>
public static partial class HostShadow
{
    public const string SandboxPath = "/distri/host-shadow";

    /// <summary>The DebianSource names declared by <c>pkgs/*/*.distpkg</c>.</summary>
    public static SortedSet<string> DistributionSources(string packagesDirectory)
    {
        var sources = new SortedSet<string>(StringComparer.Ordinal);
        if (!Directory.Exists(packagesDirectory)) return sources;
        foreach (var file in Directory.EnumerateFiles(packagesDirectory, "*.distpkg", SearchOption.AllDirectories))
            foreach (Match m in DebianSourceAttribute().Matches(File.ReadAllText(file)))
                sources.Add(m.Groups[1].Value);
        return sources;
    }

    /// <summary>Installed binary packages (with their dpkg .list file) built from those sources.</summary>
    public static IEnumerable<(string Package, string Source, string ListFile)> InstalledBinaries(
        IReadOnlySet<string> sources, string dpkgDirectory = "/var/lib/dpkg")
    {
        var status = Path.Combine(dpkgDirectory, "status");
        if (!File.Exists(status) || sources.Count == 0) yield break;
        foreach (var stanza in File.ReadAllText(status).Split("\n\n"))
        {
            string? package = null, source = null, arch = null;
            var installed = false;
            foreach (var line in stanza.Split('\n'))
            {
                if (line.StartsWith("Package: ", StringComparison.Ordinal)) package = line[9..].Trim();
                else if (line.StartsWith("Source: ", StringComparison.Ordinal)) source = line[8..].Trim().Split(' ')[0];
                else if (line.StartsWith("Architecture: ", StringComparison.Ordinal)) arch = line[14..].Trim();
                else if (line.StartsWith("Status: ", StringComparison.Ordinal)) installed = line.EndsWith(" installed", StringComparison.Ordinal);
            }
            if (package is null || !installed || !sources.Contains(source ?? package)) continue;
            foreach (var name in (string[])[$"{package}:{arch}.list", $"{package}.list"])
            {
                var list = Path.Combine(dpkgDirectory, "info", name);
                if (File.Exists(list))
                {
                    yield return (package, source ?? package, list);
                    break;
                }
            }
        }
    }

    /// <summary>Writes the shadow tree (include/, lib/, pkgconfig/) for those packages' dev files; returns how many files.</summary>
    public static int Write(string shadowDirectory, IEnumerable<(string Package, string Source, string ListFile)> binaries)
    {
        if (Directory.Exists(shadowDirectory)) Directory.Delete(shadowDirectory, recursive: true);
        Directory.CreateDirectory(shadowDirectory);
        var count = 0;
        foreach (var (package, source, listFile) in binaries)
        {
            foreach (var path in File.ReadLines(listFile))
            {
                var (relative, content) = Shadow(path, package, source);
                if (relative is null || Directory.Exists(path)) continue;
                var target = Path.Combine(shadowDirectory, relative);
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.WriteAllText(target, content, Encoding.UTF8);
                count++;
            }
        }
        return count;
    }

    private static (string? Relative, string Content) Shadow(string path, string package, string source)
    {
        var why = $"host file {path} (Debian {package}) is hidden: distri builds '{source}' itself; declare the dependency in the .distpkg";
        if (path.StartsWith("/usr/include/", StringComparison.Ordinal))
            return ("include/" + path["/usr/include/".Length..], $"#error \"{why}\"\n");
        var name = Path.GetFileName(path);
        if (path.EndsWith(".pc", StringComparison.Ordinal) && path.Contains("/pkgconfig/", StringComparison.Ordinal))
            return ("pkgconfig/" + name, $"# {why}\nName: {name[..^3]}\nDescription: hidden host module\nVersion: 0\nRequires: distri-hidden-host-module-{name[..^3]}\n");
        if (LibraryDirectory().IsMatch(path) && name.StartsWith("lib", StringComparison.Ordinal) && (name.EndsWith(".so", StringComparison.Ordinal) || name.EndsWith(".a", StringComparison.Ordinal)))
            return ("lib/" + name, $"/* {why} */\nINPUT(-ldistri-hidden-host-{name})\n");
        return (null, "");
    }

    [GeneratedRegex(@"DebianSource\s*=\s*""([A-Za-z0-9][A-Za-z0-9.+-]*)""")]
    private static partial Regex DebianSourceAttribute();

    [GeneratedRegex(@"^(/usr)?/lib(64)?(/[a-z0-9_]+-linux-gnu[a-z0-9_]*)?/[^/]+$")]
    private static partial Regex LibraryDirectory();
}
