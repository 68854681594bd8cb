using System.Globalization;
using Microsoft.Build.Framework;

namespace Distri.Tasks.Reporting;

/// <summary>
/// One progress line of a distribution build: <c>[done/total done, h:mm:ss] text</c>. The
/// packages finished so far are the status files written into <see cref="StatusDirectory"/>,
/// which is right for parallel builds too: every package writes its own when it ends.
/// </summary>
public sealed class ReportProgress : Microsoft.Build.Utilities.Task
{
    [Required] public string StatusDirectory { get; set; } = "";
    [Required] public int Total { get; set; }

    /// <summary>When the distribution build started, in UTC ticks.</summary>
    [Required] public long StartTicks { get; set; }
    [Required] public string Text { get; set; } = "";

    public override bool Execute()
    {
        var done = Directory.Exists(StatusDirectory) ? Directory.EnumerateFiles(StatusDirectory, "*.status").Count() : 0;
        var elapsed = TimeSpan.FromTicks(Math.Max(0, DateTime.UtcNow.Ticks - StartTicks));
        Log.LogMessage(MessageImportance.High, $"[{done}/{Total} done, {(int)elapsed.TotalHours}:{elapsed.ToString(@"mm\:ss", CultureInfo.InvariantCulture)}] {Text}");
        return true;
    }
}
