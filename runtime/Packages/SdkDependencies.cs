using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Distri.Packages;

/// <summary>
/// The dependencies the SDK adds to every definition, read from the SDK's own targets (their one
/// home): the packages of the definition's toolchain (<c>DistriToolchainPackage</c> items of
/// <c>Distri.Toolchain.targets</c>, per <c>DistriToolchain</c>) and the tools of its builder
/// (<c>DistriBuilderTool</c> items of <c>Builders/&lt;Builder&gt;.targets</c>). Conditions beyond
/// the toolchain's name are not evaluated: a builder's tools count whatever else their item group
/// asks (cmake's ninja under another generator), so these edges are a superset of what MSBuild
/// builds — safe for ordering (bump, CI), never missing one.
/// </summary>
public sealed partial class SdkDependencies
{
    /// <summary>What a definition without <c>&lt;DistriToolchain&gt;</c> builds on (Distri.Toolchain.targets).</summary>
    public const string DefaultToolchain = "distri";

    private readonly Dictionary<string, IReadOnlyList<string>> _toolchains;
    private readonly Dictionary<string, IReadOnlyList<string>> _builderTools;

    private SdkDependencies(Dictionary<string, IReadOnlyList<string>> toolchains, Dictionary<string, IReadOnlyList<string>> builderTools) =>
        (_toolchains, _builderTools) = (toolchains, builderTools);

    /// <summary>No SDK: no added edges (a packages directory outside a checkout).</summary>
    public static SdkDependencies None { get; } = new([], []);

    /// <summary>Reads the SDK at <paramref name="sdkDirectory"/> (sdk/Sdk of a checkout).</summary>
    public static SdkDependencies Load(string sdkDirectory)
    {
        var toolchains = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var (condition, names) in Items(Path.Combine(sdkDirectory, "Distri.Toolchain.targets"), "DistriToolchainPackage"))
            if (ToolchainCondition().Match(condition) is { Success: true } m)
                toolchains[m.Groups[1].Value] = [.. toolchains.GetValueOrDefault(m.Groups[1].Value, []), .. names];

        var builderTools = new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase);
        var builders = Path.Combine(sdkDirectory, "Builders");
        if (Directory.Exists(builders))
            foreach (var file in Directory.EnumerateFiles(builders, "*.targets"))
                builderTools[Path.GetFileNameWithoutExtension(file)] = [.. Items(file, "DistriBuilderTool").SelectMany(i => i.Names).Distinct(StringComparer.Ordinal)];
        return new SdkDependencies(toolchains, builderTools);
    }

    /// <summary>The SDK beside a distribution's packages directory (<c>pkgs/../sdk/Sdk</c>), or <see cref="None"/>.</summary>
    public static SdkDependencies ForPackagesDirectory(string packagesDirectory)
    {
        var sdk = Path.GetFullPath(Path.Combine(packagesDirectory, "..", "sdk", "Sdk"));
        return File.Exists(Path.Combine(sdk, "Distri.Toolchain.targets")) ? Load(sdk) : None;
    }

    /// <summary>The toolchain <paramref name="definition"/> builds on: its own <c>DistriToolchain</c>, none for the seed, else the default.</summary>
    public static string ToolchainOf(PackageDefinition definition) =>
        definition.Property("Builder") == "seed" ? "none" : definition.Property("DistriToolchain") ?? DefaultToolchain;

    /// <summary>The packages the SDK adds to <paramref name="definition"/>'s build (never itself).</summary>
    public IEnumerable<string> Of(PackageDefinition definition)
    {
        var toolchain = _toolchains.GetValueOrDefault(ToolchainOf(definition), []);
        var tools = definition.Property("Builder") is { } builder ? _builderTools.GetValueOrDefault(builder, []) : [];
        return toolchain.Concat(tools).Where(n => n != definition.Name).Distinct(StringComparer.Ordinal);
    }

    private static IEnumerable<(string Condition, string[] Names)> Items(string targetsFile, string itemType)
    {
        if (!File.Exists(targetsFile)) yield break;
        foreach (var item in XDocument.Load(targetsFile).Descendants().Where(e => e.Name.LocalName == itemType))
        {
            var include = (string?)item.Attribute("Include") ?? "";
            if (include.Contains("$(", StringComparison.Ordinal) || include.Contains("@(", StringComparison.Ordinal)) continue; // computed, not a list
            var conditions = item.AncestorsAndSelf().Select(e => (string?)e.Attribute("Condition")).Where(c => c is not null);
            yield return (string.Join(" and ", conditions), include.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        }
    }

    [GeneratedRegex(@"'\$\(DistriToolchain\)' == '([\w-]+)'")]
    private static partial Regex ToolchainCondition();
}
