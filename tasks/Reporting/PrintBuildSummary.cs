using System.Globalization;
using System.Xml.Linq;
using Distri.Packages;
using Microsoft.Build.Framework;

namespace Distri.Tasks.Reporting;

/// <summary>
/// The table at the end of a distribution build, from the one-line status files the packages write:
/// each package with its status (built, from cache, up-to-date, failed, not built) and time. Only
/// root failures count as failed: a package whose dependency failed never ran, and shows
/// "not built (ncurses failed)". The same results go to a JUnit XML report, which CI engines display.
/// </summary>
public sealed class PrintBuildSummary : Microsoft.Build.Utilities.Task
{
    [Required] public ITaskItem[] Packages { get; set; } = [];
    [Required] public string StatusDirectory { get; set; } = "";

    /// <summary>The packages directory, for the dependency edges that tell root failures from their dependents.</summary>
    [Required] public string PackagesDirectory { get; set; } = "";
    public string? LogsDirectory { get; set; }

    /// <summary>Where to write the JUnit XML report; none when empty.</summary>
    public string? ReportFile { get; set; }

    [Output] public int Failed { get; set; }

    private sealed record Row(string Name, string Package, string Status, string? Seconds, string? Detail = null);

    public override bool Execute()
    {
        var rows = Packages.Select(p => p.GetMetadata("Filename")).Order(StringComparer.Ordinal).Select(Read).ToList();
        var graph = PackageGraph.Load(PackagesDirectory);
        var failed = rows.Where(r => r.Status == "failed").Select(r => r.Name).ToHashSet(StringComparer.Ordinal);
        var roots = failed.Where(n => !graph.Closure(n).Overlaps(failed)).ToHashSet(StringComparer.Ordinal);
        rows = [.. rows.Select(r =>
        {
            if (r.Status is not ("failed" or "not built") || roots.Contains(r.Name)) return r;
            var causes = graph.Closure(r.Name).Where(roots.Contains).ToList();
            return causes.Count == 0 ? r : r with { Status = "not built", Detail = $"{string.Join(", ", causes)} failed" };
        })];

        var width = Math.Max("package".Length, rows.Count == 0 ? 0 : rows.Max(r => r.Package.Length));
        Log.LogMessage(MessageImportance.High, "");
        Log.LogMessage(MessageImportance.High, $"{"package".PadRight(width)}  {"status",-10}  time");
        foreach (var row in rows)
        {
            var status = row.Detail is null ? row.Status : $"{row.Status} ({row.Detail})";
            Log.LogMessage(MessageImportance.High, $"{row.Package.PadRight(width)}  {status,-10}  {(row.Seconds is null ? "-" : row.Seconds + " s")}");
        }
        int Count(string status) => rows.Count(r => r.Status == status);
        Failed = Count("failed") + Count("not built");
        Log.LogMessage(MessageImportance.High, $"{Count("built")} built, {Count("from cache")} from cache, {Count("up-to-date")} up to date, {Count("failed")} failed, {Count("not built")} not built");
        if (!string.IsNullOrEmpty(ReportFile)) WriteJUnit(rows);
        return true;
    }

    private Row Read(string name)
    {
        var file = Path.Combine(StatusDirectory, name + ".status");
        var fields = File.Exists(file) ? File.ReadAllText(file).Trim().Split('\t') : [];
        return fields.Length >= 3 ? new Row(name, fields[2], fields[0], fields[1]) : new Row(name, name, "not built", null);
    }

    /// <summary>One test case per package: a failure carries the end of its log, a package that never ran is skipped.</summary>
    private void WriteJUnit(List<Row> rows)
    {
        var cases = rows.Select(row =>
        {
            var testCase = new XElement("testcase", new XAttribute("classname", "packages"), new XAttribute("name", row.Package),
                new XAttribute("time", row.Seconds ?? "0"));
            if (row.Status == "failed")
                testCase.Add(new XElement("failure", new XAttribute("message", $"{row.Package} failed to build"), LogTail(row.Package)));
            else if (row.Status == "not built")
                testCase.Add(new XElement("skipped", new XAttribute("message", row.Detail is null ? "not built" : $"not built ({row.Detail})")));
            else
                testCase.Add(new XElement("system-out", row.Status));
            return testCase;
        });
        var suite = new XElement("testsuite", new XAttribute("name", "distri packages"), new XAttribute("tests", rows.Count),
            new XAttribute("failures", rows.Count(r => r.Status == "failed")), new XAttribute("skipped", rows.Count(r => r.Status == "not built")),
            new XAttribute("time", rows.Sum(r => double.TryParse(r.Seconds, CultureInfo.InvariantCulture, out var s) ? s : 0).ToString("F1", CultureInfo.InvariantCulture)),
            cases);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(ReportFile!))!);
        new XDocument(new XElement("testsuites", suite)).Save(ReportFile!);
        Log.LogMessage(MessageImportance.High, "report: {0}", ReportFile);
    }

    private string LogTail(string fullName)
    {
        var log = LogsDirectory is null ? null : Path.Combine(LogsDirectory, fullName + ".log");
        if (log is null || !File.Exists(log)) return "no build log (the definition or its sources failed before any step ran; see the build output)";
        var lines = File.ReadAllLines(log);
        return $"log: {log}\n" + string.Join('\n', lines[Math.Max(0, lines.Length - 30)..]);
    }
}
