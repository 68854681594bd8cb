using System.Globalization;
using Microsoft.Build.Framework;

namespace Distri.Tasks.Reporting;

/// <summary>
/// One progress line of a distribution build: <c>[done/total done, h:mm:ss] text</c>. The total
/// and the start (UTC ticks) are the two numbers build.proj writes into
/// <c>STATUS/progress</c>; the packages finished so far are the status files written beside it,
/// which is right for parallel builds too: every package writes its own when it ends.
/// </summary>
public sealed class ReportProgress : Microsoft.Build.Utilities.Task
{
    [Required] public string StatusDirectory { get; set; } = "";
    [Required] public string Text { get; set; } = "";

    public override bool Execute()
    {
        long total, startTicks;
        try
        {
            var numbers = File.ReadAllText(Path.Combine(StatusDirectory, "progress")).Split(' ', StringSplitOptions.TrimEntries);
            (total, startTicks) = (long.Parse(numbers[0], CultureInfo.InvariantCulture), long.Parse(numbers[1], CultureInfo.InvariantCulture));
        }
        catch (Exception e) when (e is IOException or FormatException or IndexOutOfRangeException or OverflowException)
        {
            return true; // the distribution build just ended (or this is no part of one): no progress to show
        }
        var done = Directory.EnumerateFiles(StatusDirectory, "*.status").Count();
        var elapsed = TimeSpan.FromTicks(Math.Max(0, DateTime.UtcNow.Ticks - startTicks));
        Log.LogMessage(MessageImportance.High, $"[{done}/{total} done, {(int)elapsed.TotalHours}:{elapsed.ToString(@"mm\:ss", CultureInfo.InvariantCulture)}] {Text}");
        return true;
    }
}
