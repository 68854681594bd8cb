using System.CommandLine;
using System.Diagnostics;
using System.Runtime.InteropServices;
using Distri.Cli.Builds;
using Distri.Linux;
using Distri.Packages;
using Distri.Sandbox;
using Distri.Sources;

namespace Distri.Cli.Commands;

/// <summary>
/// <c>distri shell [DIR|NAME] [-c COMMAND]</c>: a shell in a package's build sandbox after its
/// build ended (a failed one, typically: its tree stays until the next build) — the same
/// <c>/ro</c> view of the same closure (registered again with the view daemon over the store of
/// links the build left, and unregistered afterwards), the same launcher, user and environment
/// as its steps had. What <c>nix develop</c> is to a derivation; a command rather than an MSBuild
/// target because MSBuild gives the tools it runs no terminal.
/// </summary>
internal static class ShellCommand
{
    public static Command Create()
    {
        var target = new Argument<string>("where")
        {
            Description = "A directory in a build tree (artifacts/build/<full>/…; a failed step prints it), a package folder (pkgs/NAME) or a package name",
            DefaultValueFactory = _ => ".",
        };
        var commandText = new Option<string?>("-c") { Description = "Run this command (sh -c) instead of an interactive shell; its exit code is distri's" };
        var artifacts = ArtifactsOption.Create();
        var command = new Command("shell", "Open a shell in a package's build sandbox (same /ro, environment and tree as its last build).");
        command.Arguments.Add(target);
        command.Options.Add(commandText);
        command.Options.Add(artifacts);
        command.SetAction(parseResult => StoreCommandLine.Run("shell", () =>
        {
            var (tree, start) = Locate(parseResult.GetValue(target)!, parseResult.GetValue(artifacts)!);
            return Run(tree, start, parseResult.GetValue(commandText));
        }));
        return command;
    }

    /// <summary>The build tree and the directory to start in: the given one inside a tree, or the tree's source root.</summary>
    private static (string Tree, string Start) Locate(string where, string artifacts)
    {
        if (Directory.Exists(where))
        {
            var start = Path.GetFullPath(where);
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, BuildArtifacts.SpecFile))) return (dir.FullName, start);
            }
        }
        var name = BuildArtifacts.PackageName(where);
        if (PackageFullName.ValidateComponent("name", name, allowDash: true) is { } invalid)
            throw new InvalidDataException($"{where} is no build tree, package folder or package name: {invalid}");
        var builds = new BuildArtifacts(artifacts);
        var tree = builds.NewestBuildTree(name)
            ?? throw new FileNotFoundException($"no build environment of {name} in {Path.Combine(builds.Directory, "build")} (it is made by a sandboxed build: dotnet build pkgs/{name})");
        var sources = Path.Combine(tree, "src");
        return (tree, Directory.Exists(sources) ? SourceTree.Root(sources) : tree);
    }

    private static int Run(string tree, string start, string? commandText)
    {
        var environment = Path.Combine(tree, "env");
        var spec = SandboxSpec.Read(Path.Combine(tree, BuildArtifacts.SpecFile));
        var launcher = Path.Combine(environment, "sandbox.sh");
        if (!File.Exists(launcher)) throw new FileNotFoundException($"{launcher} is missing: build the package again");

        // The build's view was unregistered with the build; a running build (or another shell) keeps its own.
        ViewService? startedView = null;
        if (spec.View is { } view && !BuildView.IsServed(view))
        {
            if (spec.ViewDaemon is not { } daemon) throw new InvalidDataException($"{spec.Self}'s build tree is from before view daemons: build the package again");
            var service = new ViewService(daemon, DistriItself());
            try
            {
                BuildView.Restart(environment, service, spec.Self ?? "", ProcessIdentity.Of(Environment.ProcessId)!.Value);
            }
            catch (Exception e) when (e is InvalidOperationException or TimeoutException or System.ComponentModel.Win32Exception)
            {
                throw new IOException($"cannot start the build view of {spec.Self}: {e.Message}\n(log: {ViewProtocol.LogFile(service.Directory)})", e);
            }
            startedView = service;
        }
        try
        {
            var info = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, WorkingDirectory = start };
            var shell = commandText ?? "if command -v bash >/dev/null 2>&1; then exec bash -i; fi; exec sh -i";
            foreach (var a in new[] { launcher, "--", "/bin/sh", "-c", shell }) info.ArgumentList.Add(a);
            info.Environment.Clear();
            foreach (var (name, value) in spec.StepEnvironment) info.Environment[name] = value;
            if (commandText is null)
            {
                if (Environment.GetEnvironmentVariable("TERM") is { } term) info.Environment["TERM"] = term;
                info.Environment["PS1"] = $"[distri shell {spec.Self}] \\w $ ";
                Console.Error.WriteLine($"distri shell: {spec.Self} in {start}; /ro shows its build closure; exit to leave");
            }
            // Ctrl-C belongs to the shell (it reaches this process too, being in the terminal's process group).
            using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => context.Cancel = true);
            using var quit = PosixSignalRegistration.Create(PosixSignal.SIGQUIT, context => context.Cancel = true);
            using var process = Process.Start(info)!;
            process.WaitForExit();
            return process.ExitCode;
        }
        finally
        {
            if (startedView is not null) BuildView.Stop(environment, startedView);
        }
    }

    /// <summary>How to start this very <c>distri</c> again (for the view's daemon): the single-file executable, or <c>dotnet distri.dll</c>.</summary>
    private static string[] DistriItself()
    {
        var process = Environment.ProcessPath ?? throw new InvalidOperationException("cannot tell which executable runs distri");
        return Path.GetFileNameWithoutExtension(process) == "dotnet"
            ? [process, Path.Combine(AppContext.BaseDirectory, typeof(ShellCommand).Assembly.GetName().Name + ".dll")]
            : [process];
    }
}
