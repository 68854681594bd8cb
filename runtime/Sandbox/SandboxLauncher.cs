using System.Text;
using Distri.Linux;

namespace Distri.Sandbox;

/// <summary>
/// Writes the two files a build step starts its sandbox from: the bubblewrap argument list
/// (NUL-separated, for <c>bwrap --args 3</c>: nothing to quote) and a small shell launcher, so a
/// step is just <c>/bin/sh LAUNCHER -- COMMAND…</c> with no .NET start per step.
/// <para>
/// When the spec names a build user (the caller is root), the launcher never runs bubblewrap as
/// root: in a private mount namespace it binds every host directory the sandbox needs under
/// <see cref="StageDirectory"/> — reachable by the build user even when the checkout lies below a
/// directory only root may enter — then drops to the build user with <c>setpriv</c> and runs
/// bubblewrap, which then makes its own user namespace like for any unprivileged caller. The
/// build's processes are that user on the host, never root.
/// </para>
/// </summary>
public static class SandboxLauncher
{
    public const string StageDirectory = "/run/distri-sandbox";

    public static void Write(string launcherPath, string argumentsPath, SandboxSpec spec,
        Func<string, string?>? inherited = null, string bubblewrap = Bubblewrap.DefaultPath)
    {
        var staged = new List<(string Host, string Staged)>();
        Func<string, string>? source = null;
        if (spec.User is not null)
        {
            source = host =>
            {
                var index = staged.FindIndex(s => s.Host == host);
                if (index >= 0) return staged[index].Staged;
                staged.Add((host, $"{StageDirectory}/{staged.Count}"));
                return staged[^1].Staged;
            };
        }
        var args = Bubblewrap.SandboxArguments(spec, inherited, source);
        AtomicFile.WriteIfChanged(argumentsPath, string.Concat(args.Select(a => a.Contains('\0') ? throw new ArgumentException("NUL in a sandbox argument") : a + "\0")));
        AtomicFile.WriteIfChanged(launcherPath, Script(spec, Path.GetFullPath(argumentsPath), bubblewrap, staged));
    }

    private static string Script(SandboxSpec spec, string argumentsPath, string bubblewrap, List<(string Host, string Staged)> staged)
    {
        var script = new StringBuilder();
        script.Append("#!/bin/sh\n");
        script.Append($"# The build sandbox of {spec.Self ?? "a build"}, written by the SDK (StartBuildEnvironment).\n");
        script.Append("# Usage: sh THIS -- COMMAND...   (e.g. -- /bin/sh for a shell inside)\n");
        script.Append("set -e\n");
        if (spec.User is not { } user)
        {
            script.Append($"exec {Quote(bubblewrap)} --args 3 \"$@\" 3<{Quote(argumentsPath)}\n");
            return script.ToString();
        }
        script.Append("# Root stages the host directories in a private mount namespace, then drops to the build user.\n");
        script.Append("if [ \"${1-}\" != --staged ]; then exec /usr/bin/unshare --mount --propagation private /bin/sh \"$0\" --staged \"$@\"; fi\n");
        script.Append("shift\n");
        script.Append($"mount -t tmpfs -o mode=0755,size=64k distri-sandbox-stage {Path.GetDirectoryName(StageDirectory)}\n");
        script.Append($"mkdir {StageDirectory}\n");
        foreach (var (host, stage) in staged)
        {
            script.Append(Directory.Exists(host) ? $"mkdir {stage}" : $": > {stage}");
            script.Append($" && mount --bind {Quote(host)} {stage}\n");
        }
        script.Append($"exec /usr/bin/setpriv --reuid={user.Uid} --regid={user.Gid} --clear-groups --no-new-privs {Quote(bubblewrap)} --args 3 \"$@\" 3<{Quote(argumentsPath)}\n");
        return script.ToString();
    }

    /// <summary>Single-quoted for sh.</summary>
    public static string Quote(string s) => "'" + s.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
