using Microsoft.Build.Framework;

namespace Distri.Tasks.Reporting;

/// <summary>
/// The table at the end of a distribution build: each package with its status (built, up-to-date,
/// failed, or not built when a stop-on-first-failure or a failed dependency kept it from running)
/// and its time, from the one-line status files the packages write.
/// </summary>
public sealed class PrintBuildSummary : Microsoft.Build.Utilities.Task
{
    [Required] public ITaskItem[] Packages { get; set; } = [];
    [Required] public string StatusDirectory { get; set; } = "";

    [Output] public int Failed { get; set; }

    public override bool Execute()
    {
        var rows = new List<(string Package, string Status, string Seconds)>();
        foreach (var package in Packages.OrderBy(p => p.GetMetadata("Filename"), StringComparer.Ordinal))
        {
            var name = package.GetMetadata("Filename");
            var file = Path.Combine(StatusDirectory, name + ".status");
            var fields = File.Exists(file) ? File.ReadAllText(file).Trim().Split('\t') : [];
            var status = fields.Length >= 3 ? fields[0] : "not built";
            rows.Add((fields.Length >= 3 ? fields[2] : name, status, fields.Length >= 3 ? fields[1] + " s" : "-"));
        }
        var width = Math.Max("package".Length, rows.Count == 0 ? 0 : rows.Max(r => r.Package.Length));
        Log.LogMessage(MessageImportance.High, "");
        Log.LogMessage(MessageImportance.High, $"{"package".PadRight(width)}  {"status",-10}  time");
        foreach (var (package, status, seconds) in rows)
            Log.LogMessage(MessageImportance.High, $"{package.PadRight(width)}  {status,-10}  {seconds}");
        Failed = rows.Count(r => r.Status is "failed" or "not built");
        Log.LogMessage(MessageImportance.High, $"{rows.Count(r => r.Status == "built")} built, {rows.Count(r => r.Status == "up-to-date")} up to date, {rows.Count(r => r.Status == "failed")} failed, {rows.Count(r => r.Status == "not built")} not built");
        return true;
    }
}
