using System.Globalization;

namespace Distri.Linux;

/// <summary>
/// A process as the kernel knows it for its whole life: its pid and its start time (clock ticks
/// after boot, <c>/proc/PID/stat</c> field 22). A pid is reused once its process is gone; the pair
/// is not, so a daemon can hold a lease on "the process that asked" without mistaking a newcomer
/// with the same pid for it.
/// </summary>
public readonly record struct ProcessIdentity(int ProcessId, ulong StartTime)
{
    /// <summary>The process with <paramref name="processId"/> now; null when there is none.</summary>
    public static ProcessIdentity? Of(int processId)
    {
        if (Stat(processId) is not { } fields) return null;
        return ulong.TryParse(fields[19], NumberStyles.None, CultureInfo.InvariantCulture, out var start) ? new ProcessIdentity(processId, start) : null;
    }

    /// <summary>The parent of the calling process (e.g. the MSBuild node that started a task host).</summary>
    public static ProcessIdentity? Parent()
    {
        if (Stat(Environment.ProcessId) is not { } fields || !int.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var parent)) return null;
        return Of(parent);
    }

    /// <summary>Whether this very process still runs (a zombie has ended: only its exit status is left).</summary>
    public bool IsAlive => Stat(ProcessId) is { } fields && fields[0] != "Z"
        && ulong.TryParse(fields[19], NumberStyles.None, CultureInfo.InvariantCulture, out var start) && start == StartTime;

    /// <summary>The fields of <c>/proc/PID/stat</c> after the command name: [0] is the state, [1] the parent, [19] the start time.</summary>
    private static string[]? Stat(int processId)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{processId}/stat");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
        // The command name is in parentheses and may itself hold spaces and parentheses.
        var end = text.LastIndexOf(')');
        if (end < 0 || end + 2 >= text.Length) return null;
        var fields = text[(end + 2)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return fields.Length > 19 ? fields : null;
    }

    public override string ToString() => $"{ProcessId}@{StartTime}";

    public static bool TryParse(string text, out ProcessIdentity identity)
    {
        identity = default;
        var at = text.IndexOf('@', StringComparison.Ordinal);
        if (at <= 0 || !int.TryParse(text.AsSpan(0, at), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
            || !ulong.TryParse(text.AsSpan(at + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var start)) return false;
        identity = new ProcessIdentity(pid, start);
        return true;
    }
}
