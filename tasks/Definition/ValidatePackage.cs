using Distri.Packages;
using Distri.Tasks.Diagnostics;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace Distri.Tasks.Definition;

/// <summary>
/// Checks a package definition before any work starts, reporting every mistake at once at its line
/// in the .distpkg, and returns the package's full name (name-arch-version-revision).
/// </summary>
public sealed class ValidatePackage : Microsoft.Build.Utilities.Task
{
    public static readonly string[] Builders = ["autotools", "cmake", "meson", "python", "perl", "custom", "seed"];
    public static readonly string[] PostInstallActions = ["delete", "symlink", "chmod"];

    [Required] public string DefinitionFile { get; set; } = "";
    [Required] public string PackageName { get; set; } = "";
    [Required] public string Arch { get; set; } = "";
    public string? Version { get; set; }
    public string? Revision { get; set; }
    public string? Builder { get; set; }

    /// <summary>Where below the extracted source tree the builder works (configure, CMakeLists.txt… one level down).</summary>
    public string? SourceSubdirectory { get; set; }
    public ITaskItem[] Sources { get; set; } = [];

    /// <summary>The seed builder's Debian binary packages (Include=name, Version, Sha256).</summary>
    public ITaskItem[] DebianPackages { get; set; } = [];
    public ITaskItem[] Patches { get; set; } = [];
    public ITaskItem[] BuildSteps { get; set; } = [];
    public ITaskItem[] PostInstalls { get; set; } = [];

    /// <summary>Split parts (Include = part name, metadata <c>Paths</c> and <c>RuntimeDependencies</c>).</summary>
    public ITaskItem[] Splits { get; set; } = [];

    /// <summary>
    /// Paths the SDK built from definition values (build tree, log, meta, image) and the directory
    /// each must stay below (metadata <c>Root</c>): a value such as <c>Revision=1/../..</c> must never
    /// point Clean or a build outside the artifacts.
    /// </summary>
    public ITaskItem[] OwnPaths { get; set; } = [];

    /// <summary>Dependency items with metadata <c>DefinitionPath</c>: the .distpkg they must resolve to.</summary>
    public ITaskItem[] Dependencies { get; set; } = [];

    /// <summary>
    /// Properties the SDK derives from the definition's own values (its prefix, its build tree):
    /// they exist only after the definition is read, so a property of the definition that names
    /// one gets an empty string (a configure flag <c>--prefix=</c>).
    /// </summary>
    public string[] DerivedProperties { get; set; } = [];

    [Output] public string FullName { get; set; } = "";

    public override bool Execute()
    {
        if (string.IsNullOrWhiteSpace(Version))
            Log.LogError(Messages.MissingVersion, DefinitionFile, "Version", null);
        var revision = 0;
        if (!string.IsNullOrEmpty(Revision) && !int.TryParse(Revision, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out revision))
            Log.LogError(Messages.InvalidRevision, DefinitionFile, "Revision", null, Revision);

        // Exactly the value the SDK uses (a trailing blank would split --prefix): nothing is trimmed.
        var name = new PackageFullName(PackageName, Arch, Version ?? "", revision);
        if (!string.IsNullOrWhiteSpace(Version) && !name.IsValid(out var error))
            Log.LogError(Messages.InvalidName, DefinitionFile, "Version", null, error);

        var builder = Builder?.Trim() ?? "";
        if (builder == "seed")
        {
            if (DebianPackages.Length == 0) Log.LogError(Messages.NoDebianPackages, DefinitionFile, "Builder", null);
        }
        else if (Sources.Length == 0)
        {
            Log.LogError(Messages.MissingSource, DefinitionFile);
        }
        foreach (var package in DebianPackages)
        {
            if (package.Meta("Sha256") is not { } hash || !IsSha256(hash))
                Log.LogError(Messages.InvalidSha256, DefinitionFile, "DebianPackage", package.ItemSpec, package.ItemSpec, "Sha256", package.Meta("Sha256") ?? "");
            if (package.Meta("Version") is null)
                Log.LogError(Messages.MissingDebianVersion, DefinitionFile, "DebianPackage", package.ItemSpec, package.ItemSpec);
        }
        foreach (var source in Sources)
        {
            foreach (var hashName in new[] { "Sha256", "DebianSha256" })
            {
                var hash = source.Meta(hashName);
                if ((hash is null && hashName == "Sha256") || (hash is not null && !IsSha256(hash)))
                    Log.LogError(Messages.InvalidSha256, DefinitionFile, "Source", source.ItemSpec, source.ItemSpec, hashName, hash ?? "");
            }
        }
        foreach (var patch in Patches)
        {
            if (!File.Exists(patch.GetMetadata("FullPath")))
                Log.LogError(Messages.PatchMissing, DefinitionFile, "Patch", patch.ItemSpec, patch.ItemSpec);
        }

        if (!Builders.Contains(builder, StringComparer.Ordinal))
            Log.LogError(Messages.UnknownBuilder, DefinitionFile, "Builder", null, builder);
        else if (builder == "custom" && BuildSteps.Length == 0)
            Log.LogError(Messages.NoBuildSteps, DefinitionFile, "Builder", null);

        if (!string.IsNullOrWhiteSpace(SourceSubdirectory) && !IsBelow(SourceSubdirectory.Trim()))
            Log.LogError(Messages.InvalidSourceSubdirectory, DefinitionFile, "SourceSubdirectory", null, SourceSubdirectory.Trim());

        foreach (var action in PostInstalls)
        {
            var kind = action.ItemSpec;
            if (!PostInstallActions.Contains(kind, StringComparer.Ordinal))
            {
                Log.LogError(Messages.UnknownPostInstall, DefinitionFile, "PostInstall", kind, kind);
                continue;
            }
            var needed = kind switch { "symlink" => new[] { "Path", "LinkTarget" }, "chmod" => ["Path", "Mode"], _ => ["Path"] };
            foreach (var attribute in needed.Where(a => action.Meta(a) is null))
                Log.LogError(Messages.MissingPostInstallArgument, DefinitionFile, "PostInstall", kind, kind, attribute);
        }

        ValidateSplits();
        ValidatePropertyReferences();

        foreach (var dependency in Dependencies)
        {
            var path = dependency.GetMetadata("DefinitionPath");
            if (!File.Exists(path))
                Log.LogError(Messages.UnknownDependency, DefinitionFile, dependency.GetMetadata("DistriKind") is "runtime" ? "RuntimeDependency" : "Dependency", dependency.ItemSpec, dependency.ItemSpec, path);
        }

        foreach (var own in OwnPaths)
        {
            var root = Path.GetFullPath(own.GetMetadata("Root")).TrimEnd('/') + "/";
            if (!Path.GetFullPath(own.ItemSpec).StartsWith(root, StringComparison.Ordinal))
                Log.LogError(Messages.PathOutsideArtifacts, DefinitionFile, own.ItemSpec, root);
        }

        FullName = name.ToString();
        return !Log.HasLoggedErrors;
    }

    /// <summary>Each part a valid package name of its own, never the package's or its debug image's, with valid patterns and sibling dependencies.</summary>
    private void ValidatePropertyReferences()
    {
        if (DerivedProperties.Length == 0) return;
        PackageDefinition definition;
        try
        {
            definition = PackageDefinition.Read(DefinitionFile);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            return; // MSBuild read it: whatever this reader cannot, it has no properties to check
        }
        var setHere = new HashSet<string>(StringComparer.OrdinalIgnoreCase); // a definition may set one itself, then read it
        foreach (var (property, value) in definition.Properties)
        {
            foreach (var derived in DerivedProperties.Where(d => !setHere.Contains(d) && value.Contains("$(" + d + ")", StringComparison.OrdinalIgnoreCase)))
                Log.LogError(Messages.PropertyReadsDerivedValue, DefinitionFile, property, null, property, derived);
            setHere.Add(property);
        }
    }

    private void ValidateSplits()
    {
        var names = Splits.Select(s => s.ItemSpec).Append(PackageName).ToHashSet(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var split in Splits)
        {
            var name = split.ItemSpec;
            var patterns = (split.Meta("Paths") ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var problem = PackageFullName.ValidateComponent("split name", name, allowDash: true)
                ?? (name == PackageName || name == PackageName + "-debug" ? $"'{name}' is the name of the package or of its debug image" : null)
                ?? (!seen.Add(name) ? $"'{name}' is split twice" : null)
                ?? (patterns.Length == 0 ? "no Paths: say which files it takes, e.g. Paths=\"out/include/**;out/lib/pkgconfig/**\"" : null)
                ?? patterns.Select(Images.SplitLayout.Invalid).FirstOrDefault(p => p is not null)
                ?? (split.Meta("RuntimeDependencies") ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                    .Where(d => !names.Contains(d)).Select(d => $"runtime dependency '{d}' is neither the package nor another split part (declare other packages' on the package)").FirstOrDefault();
            if (problem is not null) Log.LogError(Messages.InvalidSplit, DefinitionFile, "Split", name, name, problem);
        }
    }

    /// <summary>A relative path that stays below its base: no leading '/', no '..' component.</summary>
    private static bool IsBelow(string relative) =>
        !relative.StartsWith('/') && relative.Split('/').All(component => component != "..");

    private static bool IsSha256(string value) => value.Length == 64 && value.All(char.IsAsciiHexDigit);
}
