using System.Globalization;
using System.Text.RegularExpressions;
using Distri.Testing;

namespace Sdk.Tests;

/// <summary>
/// How `dotnet build build.proj` shares MSBuild's nodes: a running build step yields its node, so
/// the node goes on with other packages meanwhile. MSBuild resumes a package only on the node that
/// started it, and every package starts by waiting for its dependencies; a step that held its node
/// kept everything that waited there behind it (the first distribution build ran one package at a
/// time behind glibc, gcc and cmake while the second node idled).
/// </summary>
[TestClass]
public sealed partial class DistributionSchedulingTests
{
    [TestMethod]
    public void ThreeIndependentPackagesBuildAtOnceOnTwoNodes()
    {
        using var f = new PackageFixture();
        string[] names = ["one", "two", "three"];
        foreach (var name in names)
        {
            // configure marks when it runs, and runs long enough for the third package to get
            // through its set-up (a few seconds, more on a loaded machine) while two are in it.
            // Timestamps, not a barrier: the sandboxes share no file.
            var tarball = f.MakeTinyTarball(name + "-1.0", "echo \"step $(date +%s.%N) begins\"; sleep 20; echo \"step $(date +%s.%N) ends\"");
            f.WritePackage(name, PackageFixture.Definition(tarball));
        }

        var result = f.Build(Path.Combine(RepoPaths.Root, "build.proj"), "-m:2", "-p:DistriSkipCli=true");

        Assert.AreEqual(0, result.ExitCode, BuildEnvironmentIntegrationTests.Tail(result));
        var steps = names.Select(name => Step(File.ReadAllText(Path.Combine(f.Artifacts, "logs", name + "-amd64-1.0-1.log")))).ToList();
        var lastBegin = steps.Max(s => s.Begin);
        var firstEnd = steps.Min(s => s.End);
        Assert.IsLessThan(firstEnd, lastBegin,
            "with two nodes, the third package's step began only after another ended: " + string.Join(", ", steps.Select(s => $"{s.Begin:F1}–{s.End:F1}")));
    }

    private static (double Begin, double End) Step(string log) =>
        (Mark(log, "begins"), Mark(log, "ends"));

    private static double Mark(string log, string what) =>
        double.Parse(StepMark().Matches(log).Single(m => m.Groups[2].Value == what).Groups[1].Value, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^step (\d+\.\d+) (begins|ends)$", RegexOptions.Multiline)]
    private static partial Regex StepMark();
}
