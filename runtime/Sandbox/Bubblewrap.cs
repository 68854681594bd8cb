namespace Distri.Sandbox;

/// <summary>
/// Turns a <see cref="SandboxSpec"/> into a bubblewrap command line. bwrap (not <c>unshare</c> plus
/// a mount script) because it builds the whole mount tree in one process without a shell, in about
/// 2 ms (docs/build-environments.md has the numbers), and cleans up with the process.
/// The sandbox's root is an empty tmpfs: it holds <c>/ro</c>, the build's own directories, a
/// synthesized <c>/etc</c>, <c>/proc</c>, a minimal <c>/dev</c>, a private <c>/tmp</c> and the
/// spec's symlinks, and nothing of the host's file system.
/// </summary>
public static class Bubblewrap
{
    public const string DefaultPath = "/usr/bin/bwrap";

    public const string Home = "/tmp/home";

    /// <summary>Flag-list variables where the step's own value (e.g. a package's LDFLAGS) is kept after the sandbox's.</summary>
    private static readonly HashSet<string> Appended = new(StringComparer.Ordinal) { "LDFLAGS", "CFLAGS", "CPPFLAGS", "CXXFLAGS" };

    /// <summary>The full command line after <c>bwrap</c>: the sandbox, <c>--chdir</c>, <c>--</c> and the command.</summary>
    public static List<string> Arguments(SandboxSpec spec, string workingDirectory, IReadOnlyList<string> command,
        Func<string, string?>? inherited = null)
    {
        if (command.Count == 0) throw new ArgumentException("no command to run", nameof(command));
        var args = SandboxArguments(spec, inherited);
        args.AddRange(["--chdir", workingDirectory, "--"]);
        args.AddRange(command);
        return args;
    }

    /// <summary>
    /// The sandbox alone (namespaces, mounts, environment): what <see cref="SandboxLauncher"/>
    /// stores for <c>bwrap --args FD</c>. bwrap keeps the caller's working directory when it exists
    /// inside, which it does for the build directories (bound at their own paths).
    /// </summary>
    /// <param name="source">Maps each host directory or file to bind to the path bwrap reads it from
    /// (the launcher's staged copy of it when the build drops to an unprivileged user).</param>
    public static List<string> SandboxArguments(SandboxSpec spec, Func<string, string?>? inherited = null, Func<string, string>? source = null)
    {
        inherited ??= System.Environment.GetEnvironmentVariable;
        source ??= path => path;
        var args = new List<string>
        {
            // Fresh namespaces; bwrap adds a user namespace itself, as it always runs unprivileged
            // (the launcher drops root to the build user first).
            "--unshare-ipc", "--unshare-pid", "--unshare-uts", "--unshare-cgroup-try",
            "--die-with-parent",
        };
        if (!spec.Network) args.Add("--unshare-net");
        args.AddRange(["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--dir", Home]);

        if (spec.View is { } view)
            args.AddRange(["--ro-bind", source(view), "/ro"]);
        else
            args.AddRange(["--dir", "/ro"]);
        if (spec.Self is { } self && spec.Destination is { } destination)
        {
            if (!Names.IsSafeFileName(self)) throw new ArgumentException($"'{self}' is not a package full name");
            args.AddRange(["--bind", source(destination), "/ro/" + self]);
        }
        foreach (var (inside, host) in spec.ReadOnly)
            args.AddRange(["--ro-bind", source(host), inside]);
        foreach (var dir in spec.Writable)
            args.AddRange(["--bind", source(dir), dir]);
        foreach (var (path, target) in spec.Symlinks)
            args.AddRange(["--symlink", target, path]);
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

    /// <summary>The host paths a sandbox binds, in the order <see cref="SandboxArguments"/> meets them.</summary>
    public static IEnumerable<string> BindSources(SandboxSpec spec)
    {
        if (spec.View is { } view) yield return view;
        if (spec.Self is not null && spec.Destination is { } destination) yield return destination;
        foreach (var host in spec.ReadOnly.Values) yield return host;
        foreach (var dir in spec.Writable) yield return dir;
    }
}

internal static class Names
{
    public static bool IsSafeFileName(string name) =>
        name.Length is > 0 and <= 255 && name is not "." and not ".." && !name.Contains('/') && !name.Contains('\0');
}
