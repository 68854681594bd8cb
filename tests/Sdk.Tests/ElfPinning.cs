using Distri.Packages;
using Distri.Tasks.Elf;

namespace Sdk.Tests;

/// <summary>
/// Checks the promise of pinned runtime linking on a mounted /ro: every ELF file of a package has
/// its interpreter, and every library it needs resolves through its own runpath, under
/// <c>/ro/&lt;a package in its runtime closure (or itself)&gt;/</c>. Read with the project's own ELF reader.
/// </summary>
internal static class ElfPinning
{
    /// <summary>Problems, one line each ("zsh-amd64-5.9-1/out/bin/zsh: libc.so.6 not found"); empty when all is pinned.</summary>
    public static List<string> Violations(string mountPoint, string repository, PackageFullName package)
    {
        var meta = Yaml.ReadMeta(Path.Combine(repository, StoreLayout.MetaFileName(package)));
        var allowed = meta.RuntimeDependencies.Append(package.ToString()).ToHashSet(StringComparer.Ordinal);
        var libcDirectories = allowed.Where(p => p.StartsWith("glibc-", StringComparison.Ordinal)).Select(p => $"/ro/{p}/out/lib").ToList();
        var problems = new List<string>();
        var root = Path.Combine(mountPoint, package.ToString());
        var options = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint };
        foreach (var file in Directory.EnumerateFiles(root, "*", options))
        {
            // Debug images hold debug-only copies (no code, no dynamic section): nothing loads them.
            if (Path.GetRelativePath(root, file).StartsWith("out/lib/debug/", StringComparison.Ordinal)) continue;
            if (new FileInfo(file).Length < 64 || !ElfFile.TryRead(file, out var elf)) continue;
            var name = Path.GetRelativePath(mountPoint, file);
            if (elf.Interpreter is { } loader)
                Check(loader, "interpreter");
            // The loader's own search after the file's: the distribution's glibc looks in its own
            // library directory (its prefix's lib) — how glibc's gconv modules and getconf helpers,
            // which carry no runpath, find libc.so.6.
            var searchPath = (elf.RunPath.Count > 0 ? elf.RunPath : elf.RPath).Concat(libcDirectories).ToList();
            var origin = "/ro/" + Path.GetDirectoryName(name);
            foreach (var needed in elf.Needed)
            {
                var hit = searchPath.Select(d => d.Replace("$ORIGIN", origin, StringComparison.Ordinal) + "/" + needed)
                    .FirstOrDefault(p => p.StartsWith("/ro/", StringComparison.Ordinal) && File.Exists(Path.Combine(mountPoint, p["/ro/".Length..])));
                if (hit is null) problems.Add($"{name}: {needed} is found through no /ro directory of its runpath ({string.Join(':', searchPath)})");
                else Check(hit, needed);
            }

            void Check(string path, string what)
            {
                if (!path.StartsWith("/ro/", StringComparison.Ordinal))
                {
                    problems.Add($"{name}: {what} {path} is not under /ro");
                    return;
                }
                var owner = path["/ro/".Length..].Split('/')[0];
                if (!allowed.Contains(owner)) problems.Add($"{name}: {what} {path} belongs to {owner}, not to its closure");
                else if (!File.Exists(Path.Combine(mountPoint, path["/ro/".Length..]))) problems.Add($"{name}: {what} {path} does not exist");
            }
        }
        return problems;
    }
}
