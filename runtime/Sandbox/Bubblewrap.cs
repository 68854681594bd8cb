namespace Distri.Sandbox;

/// <summary>
/// Turns a <see cref="SandboxSpec"/> into a bubblewrap command line. bwrap (not <c>unshare</c> plus
/// a mount script) because it builds the whole mount tree in one process without a shell, in about
/// 2 ms (docs/build-environments.md has the numbers), and cleans up with the process.
/// </summary>
public static class Bubblewrap
{
    public const string DefaultPath = "/usr/bin/bwrap";

    /// <summary>
    /// Top-level host directories never shown: kernel and per-run state get fresh instances, and
    /// user data, the real /ro and the store stay out of builds. Everything else in / is the host
    /// toolchain stage (gcc, make, coreutils in /usr), read-only.
    /// </summary>
    private static readonly HashSet<string> HiddenRoots = new(StringComparer.Ordinal)
    {
        "proc", "dev", "tmp", "run", "home", "root", "ro", "roimg", "mnt", "media", "lost+found", "sys",
    };

    public const string Home = "/tmp/home";

    /// <summary>Flag-list variables where the step's own value (e.g. a package's LDFLAGS) is kept after the sandbox's.</summary>
    private static readonly HashSet<string> Appended = new(StringComparer.Ordinal) { "LDFLAGS", "CFLAGS", "CPPFLAGS", "CXXFLAGS" };

    /// <summary>The full command line after <c>bwrap</c>: the sandbox, <c>--chdir</c>, <c>--</c> and the command.</summary>
    public static List<string> Arguments(SandboxSpec spec, string workingDirectory, IReadOnlyList<string> command,
        Func<string, string?>? inherited = null, string hostRoot = "/")
    {
        if (command.Count == 0) throw new ArgumentException("no command to run", nameof(command));
        var args = SandboxArguments(spec, inherited, hostRoot);
        args.AddRange(["--chdir", workingDirectory, "--"]);
        args.AddRange(command);
        return args;
    }

    /// <summary>
    /// The sandbox alone (namespaces, mounts, environment): what <see cref="WriteArgumentsFile"/>
    /// stores for <c>bwrap --args FD</c>. bwrap keeps the caller's working directory when it exists
    /// inside, which it does for the build directories (bound at their own paths).
    /// </summary>
    public static List<string> SandboxArguments(SandboxSpec spec, Func<string, string?>? inherited = null, string hostRoot = "/")
    {
        inherited ??= System.Environment.GetEnvironmentVariable;
        var args = new List<string>
        {
            // Fresh namespaces. No user namespace of our own: builds run as root here, and bwrap
            // makes one itself for unprivileged callers.
            "--unshare-ipc", "--unshare-pid", "--unshare-uts", "--unshare-cgroup-try",
            "--die-with-parent",
        };
        if (!spec.Network) args.Add("--unshare-net");

        foreach (var entry in new DirectoryInfo(hostRoot).EnumerateFileSystemInfos().OrderBy(e => e.Name, StringComparer.Ordinal))
        {
            if (HiddenRoots.Contains(entry.Name)) continue;
            var target = "/" + entry.Name;
            if (entry.LinkTarget is { } link)
                args.AddRange(["--symlink", link, target]); // merged /usr: /bin -> usr/bin
            else if (entry is DirectoryInfo)
                args.AddRange(["--ro-bind", entry.FullName, target]);
        }
        args.AddRange(["--ro-bind", "/sys", "/sys", "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--dir", Home]);

        if (spec.View is { } view)
            args.AddRange(["--ro-bind", view, "/ro"]);
        else
            args.AddRange(["--dir", "/ro"]);
        if (spec.Self is { } self && spec.Destination is { } destination)
        {
            if (!Distri.Sandbox.Names.IsSafeFileName(self)) throw new ArgumentException($"'{self}' is not a package full name");
            args.AddRange(["--bind", destination, "/ro/" + self]);
        }
        foreach (var (inside, host) in spec.ReadOnly)
            args.AddRange(["--ro-bind", host, inside]);
        foreach (var dir in spec.Writable)
            args.AddRange(["--bind", dir, dir]);
        // Everything not bound writable above is read-only, the sandbox's own root included.
        args.AddRange(["--remount-ro", "/"]);

        args.AddRange(["--unsetenv", "LD_LIBRARY_PATH", "--unsetenv", "LD_PRELOAD", "--setenv", "HOME", Home, "--setenv", "TMPDIR", "/tmp"]);
        foreach (var (name, value) in spec.Environment)
        {
            var own = Appended.Contains(name) ? inherited(name) : null;
            args.AddRange(["--setenv", name, string.IsNullOrWhiteSpace(own) ? value : value + " " + own]);
        }
        return args;
    }

    /// <summary>
    /// Writes arguments NUL-separated for <c>bwrap --args FD</c>, so a build step starts bubblewrap
    /// directly (no .NET start per step) with nothing to quote. Written only when it changes.
    /// </summary>
    public static void WriteArgumentsFile(string path, IEnumerable<string> args)
    {
        var text = string.Concat(args.Select(a => a.Contains('\0') ? throw new ArgumentException("NUL in a sandbox argument") : a + "\0"));
        if (File.Exists(path) && File.ReadAllText(path) == text) return;
        var temp = path + $".{System.Environment.ProcessId}.tmp";
        File.WriteAllText(temp, text);
        File.Move(temp, path, overwrite: true);
    }
}

internal static class Names
{
    public static bool IsSafeFileName(string name) =>
        name.Length is > 0 and <= 255 && name is not "." and not ".." && !name.Contains('/') && !name.Contains('\0');
}
