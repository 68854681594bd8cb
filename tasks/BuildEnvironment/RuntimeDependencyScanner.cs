using System.Text;
using Distri.Linux;
using Distri.Packages;
using Distri.Tasks.Elf;

namespace Distri.Tasks.BuildEnvironment;

/// <summary>
/// Finds what an installed package needs at run time, from its files rather than from
/// declarations: every ELF file's interpreter (<c>PT_INTERP</c>, the C library package's loader)
/// and <c>DT_NEEDED</c> resolved the way the loader will (its own rpath/runpath, then the view's
/// <c>/ro/lib</c>), <c>#!/ro/…</c> interpreters, and pkg-config <c>Requires</c>/<c>Requires.private</c>.
/// Paths under <c>/ro/&lt;self&gt;</c> map to the image root, other <c>/ro</c> paths to the build's
/// view. Nothing resolves to the host: a package needs nothing but packages.
/// <para>
/// Split packages: the install tree is scanned once per image (<see cref="Part"/>, the files
/// <see cref="OwnerOf"/> gives it), a file of the tree resolves to the image that holds it, and a
/// file the view shows inside a package's directory through another package's exchange directory
/// (<see cref="Joins"/>: a split part joined into its main package) resolves to that other package.
/// </para>
/// </summary>
public sealed class RuntimeDependencyScanner(string imageRoot, PackageFullName self, string? view)
{
    private static readonly string[] PkgConfigDirectories = ["lib/pkgconfig", "share/pkgconfig"];

    private readonly string _imageRoot = Path.GetFullPath(imageRoot).TrimEnd('/');
    private readonly string? _view = view is null ? null : Path.GetFullPath(view).TrimEnd('/');

    /// <summary>The image whose files are scanned and whose own finds are not dependencies; default: self.</summary>
    public PackageFullName? Part { get; init; }

    /// <summary>The image a path below the image root belongs to; null: all is self's.</summary>
    public Func<string, PackageFullName>? OwnerOf { get; init; }

    /// <summary>Split parts' exchange directories in the view: Joiner's <c>out/Directory</c> shown inside its package Host's.</summary>
    public IReadOnlyList<(PackageFullName Joiner, string Directory, string Host)> Joins { get; init; } = [];

    private PackageFullName Scanned => Part ?? self;

    /// <summary>Packages found (full names, never the scanned image).</summary>
    public SortedSet<PackageFullName> Packages { get; } = [];

    /// <summary>What nothing provides, e.g. "out/bin/zsh: libfoo.so.1": the task warns.</summary>
    public List<string> Unresolved { get; } = [];

    /// <summary>"out/bin/zsh: libncursesw.so.6 → ncurses-amd64-6.4-1" lines, for the detailed log.</summary>
    public List<string> Trace { get; } = [];

    public void ScanAll()
    {
        if (!Directory.Exists(_imageRoot)) return;
        var options = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0, IgnoreInaccessible = false };
        foreach (var file in new DirectoryInfo(_imageRoot).EnumerateFiles("*", options))
        {
            if (file.LinkTarget is not null || file.Length < 4) continue;
            if (OwnerOf is not null && OwnerOf(Path.GetRelativePath(_imageRoot, file.FullName)) != Scanned) continue;
            ScanFile(file.FullName);
        }
    }

    /// <summary>
    /// Scans one file of the image root. Anything but a regular file is skipped unopened: opening a
    /// FIFO blocks until a writer appears, and a device node may block or have side effects.
    /// </summary>
    public void ScanFile(string path)
    {
        if (!RegularFile.Is(path)) return;
        Span<byte> magic = stackalloc byte[4];
        using (var stream = File.OpenRead(path))
        {
            if (stream.Read(magic) < 4) return;
        }
        var relative = Path.GetRelativePath(_imageRoot, path);
        if (magic[0] == 0x7f && magic[1] == (byte)'E' && magic[2] == (byte)'L' && magic[3] == (byte)'F')
        {
            if (ElfFile.TryRead(path, out var elf))
            {
                if (elf.Interpreter is { } loader) ResolveProgramInterpreter(relative, loader);
                foreach (var needed in elf.Needed) ResolveLibrary(relative, elf, needed);
            }
        }
        else if (magic[0] == (byte)'#' && magic[1] == (byte)'!')
        {
            ResolveInterpreter(relative, path);
        }
        else if (path.EndsWith(".pc", StringComparison.Ordinal) && PkgConfigDirectories.Any(d => relative.StartsWith("out/" + d + "/", StringComparison.Ordinal)))
        {
            foreach (var module in PkgConfigRequires(File.ReadLines(path))) ResolvePkgConfig(relative, module);
        }
    }

    private void ResolveLibrary(string relative, ElfFile elf, string needed)
    {
        if (needed.Contains('/')) return; // a path, not a search: nothing to pin
        // The loader ignores DT_RPATH when DT_RUNPATH is present.
        var searchPath = elf.RunPath.Count > 0 ? elf.RunPath : elf.RPath;
        var origin = "/ro/" + self + "/" + Path.GetDirectoryName(relative);
        foreach (var entry in searchPath)
        {
            var dir = entry.Replace("${ORIGIN}", origin, StringComparison.Ordinal).Replace("$ORIGIN", origin, StringComparison.Ordinal);
            if (!dir.StartsWith('/')) continue;
            var host = MapToHost(dir);
            if (host is not null && Exists(Path.Combine(host, needed)))
            {
                Record(relative, needed, Path.Combine(host, needed));
                return;
            }
        }
        foreach (var candidate in (string?[])[Path.Combine(_imageRoot, "out/lib", needed), _view is null ? null : Path.Combine(_view, "lib", needed)])
        {
            if (candidate is not null && Exists(candidate))
            {
                Record(relative, needed, candidate);
                return;
            }
        }
        Unresolved.Add($"{relative}: {needed}");
    }

    /// <summary>The loader must be a package's, under /ro: one outside (the host's /lib64/ld-linux…) runs nowhere else.</summary>
    private void ResolveProgramInterpreter(string relative, string loader)
    {
        var host = MapToHost(loader);
        if (loader.StartsWith("/ro/", StringComparison.Ordinal) && host is not null && Exists(host))
            Record(relative, loader, host);
        else
            Unresolved.Add($"{relative}: interpreter {loader} (not a package's loader under /ro: was the SDK's LDFLAGS ignored?)");
    }

    private void ResolveInterpreter(string relative, string path)
    {
        string line;
        using (var reader = new StreamReader(path, Encoding.UTF8))
        {
            var buffer = new char[512];
            var read = reader.Read(buffer);
            line = new string(buffer, 0, read).Split('\n')[0][2..].Trim();
        }
        var interpreter = line.Split(' ', '\t')[0];
        if (!interpreter.StartsWith("/ro/", StringComparison.Ordinal)) return; // /bin/sh: every distri machine's own
        var host = MapToHost(interpreter);
        if (host is not null && Exists(host))
            Record(relative, interpreter, host);
        else
            Unresolved.Add($"{relative}: #!{interpreter}");
    }

    private void ResolvePkgConfig(string relative, string module)
    {
        var file = module + ".pc";
        foreach (var root in (string?[])[Path.Combine(_imageRoot, "out"), _view])
        {
            if (root is null) continue;
            foreach (var dir in PkgConfigDirectories)
            {
                var candidate = Path.Combine(root, dir, file);
                if (Exists(candidate))
                {
                    Record(relative, file, candidate);
                    return;
                }
            }
        }
        Unresolved.Add($"{relative}: pkg-config module {module}");
    }

    /// <summary>A /ro path as a host path: /ro/&lt;self&gt; is the image root, the rest the view; other paths are nothing.</summary>
    private string? MapToHost(string path)
    {
        if (!path.StartsWith("/ro/", StringComparison.Ordinal)) return null; // nothing of the host counts
        var rest = path["/ro/".Length..];
        var selfPrefix = self + "/";
        if (rest == self.ToString() || rest.StartsWith(selfPrefix, StringComparison.Ordinal))
            return _imageRoot + rest[self.ToString().Length..];
        return _view is null ? null : _view + "/" + rest;
    }

    private void Record(string relative, string what, string hostPath)
    {
        var provider = Provider(hostPath);
        if (provider is { } full && full != Scanned)
        {
            Packages.Add(full);
            Trace.Add($"{relative}: {what} -> {full}");
        }
    }

    /// <summary>The package a file in the image root or the view belongs to, following exchange-dir symlinks.</summary>
    private PackageFullName? Provider(string hostPath)
    {
        if (hostPath.StartsWith(_imageRoot + "/", StringComparison.Ordinal))
            return OwnerOf?.Invoke(hostPath[(_imageRoot.Length + 1)..]) ?? self;
        if (_view is null || !hostPath.StartsWith(_view + "/", StringComparison.Ordinal)) return null;
        var target = new FileInfo(hostPath).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? hostPath;
        if (!target.StartsWith(_view + "/", StringComparison.Ordinal)) return null;
        var path = target[(_view.Length + 1)..];
        var first = path.Split('/')[0];
        if (!PackageFullName.TryParse(first, out var full)) return null;
        // Shown in the package's directory by one of its split parts (they hold disjoint files):
        // the part's own copy is the file.
        var rest = path.Length > first.Length ? path[(first.Length + 1)..] : "";
        foreach (var (joiner, directory, host) in Joins)
        {
            if (host == full.Name && joiner != full && rest.StartsWith("out/" + directory + "/", StringComparison.Ordinal)
                && Exists(Path.Combine(_view, joiner.ToString(), rest)))
                return joiner;
        }
        return full;
    }

    /// <summary>A file that exists after following symlinks (File.Exists is true for a dangling link).</summary>
    private static bool Exists(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists) return false;
        if (info.LinkTarget is null) return true;
        try
        {
            return info.ResolveLinkTarget(returnFinalTarget: true) is { Exists: true };
        }
        catch (IOException)
        {
            return false; // a symlink loop
        }
    }

    /// <summary>Module names of <c>Requires:</c> and <c>Requires.private:</c>, without version constraints.</summary>
    public static IEnumerable<string> PkgConfigRequires(IEnumerable<string> lines)
    {
        foreach (var line in lines)
        {
            var colon = line.IndexOf(':');
            if (colon < 0) continue;
            var key = line[..colon].Trim();
            if (key is not ("Requires" or "Requires.private")) continue;
            var skipVersion = false;
            foreach (var token in line[(colon + 1)..].Split([',', ' ', '\t'], StringSplitOptions.RemoveEmptyEntries))
            {
                if (token is "=" or "<" or ">" or "<=" or ">=" or "!=")
                {
                    skipVersion = true;
                    continue;
                }
                if (skipVersion)
                {
                    skipVersion = false;
                    continue;
                }
                yield return token;
            }
        }
    }
}
