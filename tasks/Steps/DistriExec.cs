using System.Diagnostics;
using System.Text.RegularExpressions;
using Distri.Tasks.Diagnostics;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace Distri.Tasks.Steps;

/// <summary>
/// Runs one build command (configure, make, cmake, ninja, install, a custom step, a patch) with
/// <c>/bin/sh -ec</c>, in an explicit working directory and an explicit environment (nothing is
/// inherited from the MSBuild process). All output goes to the package's log file; compiler
/// <c>error:</c> lines become MSBuild errors; a failure raises DST3001 with the last lines.
/// <para>
/// Sandbox hook: when <see cref="SandboxCommand"/> is set the command runs as
/// <c>&lt;SandboxCommand&gt; -- /bin/sh -ec &lt;command&gt;</c>. The sandbox command is a shell word list
/// (it may carry its own options); it must run the rest of its arguments in the same working
/// directory with the environment it was given.
/// </para>
/// <para>
/// Watchdog: a step that prints no line for <see cref="SilenceTimeoutSeconds"/> is killed with
/// its whole process tree and fails with DST3006. A hung configure test program (waiting on a
/// loader that never comes) otherwise holds a build for as long as anyone waits.
/// </para>
/// </summary>
public sealed partial class DistriExec : ToolTask
{
    private const int TailLines = 30;
    private readonly Queue<string> _tail = new();
    private StreamWriter? _log;
    private Process? _process;
    private long _lastOutputTicks;
    private volatile bool _silenced;

    // A step runs for minutes (gcc: half an hour): the MSBuild node goes on with other packages
    // meanwhile (Distri.Tasks.targets says why that matters and why this task runs in the node).
    public DistriExec() => YieldDuringToolExecution = true;

    /// <summary>The step's name as shown to the packager (configure, build, install, patch foo.patch…).</summary>
    [Required] public string StepName { get; set; } = "";
    [Required] public string Command { get; set; } = "";
    [Required] public string WorkingDirectory { get; set; } = "";
    [Required] public string LogFile { get; set; } = "";
    [Required] public string DefinitionFile { get; set; } = "";

    /// <summary>The whole environment of the command, as <c>NAME=value</c> items.</summary>
    public ITaskItem[] Environment { get; set; } = [];
    public string? SandboxCommand { get; set; }

    /// <summary>The .distpkg element (and its Include) a failure points at, e.g. BuildStep/configure or Builder.</summary>
    public string? DefinitionElement { get; set; }
    public string? DefinitionInclude { get; set; }

    /// <summary>Seconds the step may print nothing before it is stopped (DST3006); 0: no limit.</summary>
    public int SilenceTimeoutSeconds { get; set; }

    /// <summary>"step" (DST3001) or "patch" (DST3002).</summary>
    public string Kind { get; set; } = "step";

    /// <summary>
    /// How to open a shell in the step's sandbox (<c>distri shell</c>, given the working
    /// directory): printed with a failure, so the way in is one copy and paste away. Empty: none.
    /// </summary>
    public string? ShellCommand { get; set; }

    protected override string ToolName => "sh";
    protected override string GenerateFullPathToTool() => "/bin/sh";
    protected override string GetWorkingDirectory() => WorkingDirectory;
    protected override MessageImportance StandardOutputLoggingImportance => MessageImportance.Low;
    protected override MessageImportance StandardErrorLoggingImportance => MessageImportance.Low;

    public override bool Execute()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(LogFile))!);
        using (_log = new StreamWriter(LogFile, append: true) { AutoFlush = true })
        {
            _log.WriteLine($"=== {StepName}: {Command}");
            _log.WriteLine($"=== in {WorkingDirectory}{(string.IsNullOrEmpty(SandboxCommand) ? "" : " via " + SandboxCommand)}");
            bool ok;
            using (var watchdog = StartWatchdog())
                ok = base.Execute();
            _process = null;
            _log.WriteLine($"=== {StepName}: {(ok ? "done" : _silenced ? $"stopped after {SilenceTimeoutSeconds} s without output" : "failed, exit code " + ExitCode)}");
            return ok && !Log.HasLoggedErrors;
        }
    }

    protected override Process StartToolProcess(Process proc)
    {
        Volatile.Write(ref _lastOutputTicks, System.Environment.TickCount64);
        return _process = base.StartToolProcess(proc);
    }

    private Timer? StartWatchdog()
    {
        if (SilenceTimeoutSeconds <= 0) return null;
        var period = TimeSpan.FromMilliseconds(Math.Clamp(SilenceTimeoutSeconds * 100L, 100, 10_000));
        return new Timer(_ => StopIfSilent(), null, period, period);
    }

    private void StopIfSilent()
    {
        if (_silenced || _process is not { } process) return;
        if (System.Environment.TickCount64 - Volatile.Read(ref _lastOutputTicks) < SilenceTimeoutSeconds * 1000L) return;
        _silenced = true;
        try
        {
            // The sandbox and everything it started: the step then ends with a signal's exit code.
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // It exited (and may be disposed) meanwhile.
        }
        catch (Exception)
        {
            // Not killable now (Win32Exception, or an AggregateException for a process of the tree,
            // e.g. a setuid one): tried again next period. An exception escaping this timer would
            // take the whole MSBuild node down, and every package building on it.
            _silenced = false;
        }
    }

    protected override ProcessStartInfo GetProcessStartInfo(string pathToTool, string commandLineCommands, string responseFileSwitch)
    {
        var info = base.GetProcessStartInfo(pathToTool, commandLineCommands, responseFileSwitch);
        info.Arguments = string.Empty;
        if (string.IsNullOrWhiteSpace(SandboxCommand))
        {
            info.ArgumentList.Add("-ec");
            info.ArgumentList.Add(Command);
        }
        else
        {
            // The outer shell only splits the sandbox command into words; the command itself is passed as $1, unparsed.
            info.ArgumentList.Add("-c");
            info.ArgumentList.Add($"exec {SandboxCommand} -- /bin/sh -ec \"$1\"");
            info.ArgumentList.Add("sh");
            info.ArgumentList.Add(Command);
        }
        info.Environment.Clear();
        foreach (var variable in Environment)
        {
            var text = variable.ItemSpec;
            var eq = text.IndexOf('=');
            if (eq > 0) info.Environment[text[..eq]] = text[(eq + 1)..];
        }
        return info;
    }

    protected override void LogToolCommand(string message) =>
        Log.LogMessage(MessageImportance.Normal, "{0}: {1}", StepName, Command);

    protected override void LogEventsFromTextOutput(string singleLine, MessageImportance messageImportance)
    {
        Volatile.Write(ref _lastOutputTicks, System.Environment.TickCount64);
        _log?.WriteLine(singleLine);
        if (_tail.Count == TailLines) _tail.Dequeue();
        _tail.Enqueue(singleLine);
        var match = CompilerError().Match(singleLine);
        if (match.Success)
        {
            // Relative to the step's directory: made absolute so the error is clickable where it is read.
            var file = Path.GetFullPath(match.Groups["file"].Value, WorkingDirectory);
            Log.LogError("compiler", null, null, file, int.Parse(match.Groups["line"].Value, System.Globalization.CultureInfo.InvariantCulture),
                match.Groups["col"].Success ? int.Parse(match.Groups["col"].Value, System.Globalization.CultureInfo.InvariantCulture) : 0, 0, 0, match.Groups["msg"].Value);
            return;
        }
        Log.LogMessage(messageImportance, singleLine);
    }

    protected override bool HandleTaskExecutionErrors()
    {
        var shell = string.IsNullOrWhiteSpace(ShellCommand) ? ""
            : $"\n{ShellIntroduction} {ShellCommand} '{WorkingDirectory.Replace("'", "'\\''", StringComparison.Ordinal)}'";
        var what = Kind == "patch" ? DefinitionInclude ?? StepName : StepName;
        if (_silenced)
            Log.LogError(Messages.StepSilent, DefinitionFile, DefinitionElement, DefinitionInclude, what, SilenceTimeoutSeconds, Path.GetFullPath(LogFile), string.Join("\n", _tail), shell);
        else
            Log.LogError(Kind == "patch" ? Messages.PatchFailed : Messages.StepFailed, DefinitionFile, DefinitionElement, DefinitionInclude, what, ExitCode, Path.GetFullPath(LogFile), string.Join("\n", _tail), shell);
        return false;
    }

    /// <summary>The words before the shell command in a failure: tests and people look for them.</summary>
    public const string ShellIntroduction = "a shell where it failed (same sandbox, /ro and environment):";

    /// <summary>gcc/clang style: <c>file:line[:col]: [fatal ]error: message</c>.</summary>
    [GeneratedRegex(@"^(?<file>[^:\s][^:]*):(?<line>\d+):(?:(?<col>\d+):)?\s*(?:fatal )?error:\s*(?<msg>.*)$")]
    private static partial Regex CompilerError();
}
