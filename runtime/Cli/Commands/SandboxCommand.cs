using System.CommandLine;
using System.Runtime.InteropServices;
using Distri.Linux;
using Distri.Sandbox;

namespace Distri.Cli.Commands;

/// <summary>
/// <c>distri sandbox --spec FILE -- COMMAND…</c>: runs a command in a build environment by hand.
/// Writes the spec's launcher and bubblewrap arguments beside the spec (as the SDK does for its
/// steps) and replaces itself (execv) with the launcher, so signals, exit codes and the process
/// tree are the command's own, and a root caller is dropped to the spec's build user like a build.
/// </summary>
internal static class SandboxCommand
{
    public static Command Create()
    {
        var spec = new Option<FileInfo>("--spec") { Description = "The sandbox spec (JSON) written by the build's prepare step.", Required = true };
        var bwrap = new Option<string>("--bwrap") { Description = "The bubblewrap executable.", DefaultValueFactory = _ => Bubblewrap.DefaultPath };
        var dryRun = new Option<bool>("--dry-run") { Description = "Print the bubblewrap arguments instead of running them." };
        var commandLine = new Argument<string[]>("command") { Description = "The build step and its arguments (after --).", Arity = ArgumentArity.OneOrMore };
        var command = new Command("sandbox", "Run a command in a build environment: a filtered /ro and fresh namespaces.");
        command.Options.Add(spec);
        command.Options.Add(bwrap);
        command.Options.Add(dryRun);
        command.Arguments.Add(commandLine);
        command.SetAction(parseResult =>
        {
            var specFile = parseResult.GetValue(spec)!;
            SandboxSpec sandbox;
            try
            {
                sandbox = SandboxSpec.Read(specFile.FullName);
            }
            catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"distri sandbox: {e.Message}");
                return 2;
            }
            var bwrapPath = parseResult.GetValue(bwrap)!;
            if (parseResult.GetValue(dryRun))
            {
                var args = Bubblewrap.Arguments(sandbox, Environment.CurrentDirectory, parseResult.GetValue(commandLine)!);
                Console.WriteLine(string.Join(' ', args.Prepend(bwrapPath).Select(Quote)));
                return 0;
            }
            var launcher = specFile.FullName + ".sh";
            try
            {
                SandboxLauncher.Write(launcher, specFile.FullName + ".bwrap.args", sandbox, bubblewrap: bwrapPath);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
            {
                Console.Error.WriteLine($"distri sandbox: cannot write the launcher beside {specFile.FullName}: {e.Message}");
                return 2;
            }
            string?[] argv = ["/bin/sh", launcher, "--", .. parseResult.GetValue(commandLine)!, null];
            Console.Out.Flush();
            var errno = LibC.Exec("/bin/sh", argv);
            Console.Error.WriteLine($"distri sandbox: cannot run /bin/sh: {Marshal.GetPInvokeErrorMessage(errno)}");
            return 127;
        });
        return command;
    }

    private static string Quote(string s) =>
        s.Length > 0 && s.All(c => char.IsAsciiLetterOrDigit(c) || c is '/' or '-' or '_' or '.' or '=' or ':' or ',' or '+')
            ? s : "'" + s.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
