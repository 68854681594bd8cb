using Microsoft.Build.Utilities;

namespace Distri.Tasks.BuildEnvironment;

/// <summary>
/// Error codes of the build environment, DST35xx inside the SDK's DST3xxx (build steps and
/// sandbox) range, with their message templates in one place.
/// </summary>
internal static class BuildEnvironmentErrors
{
    public const string UnbuiltDependency = "DST3501";
    public const string UnreadableMeta = "DST3502";
    public const string ViewFailed = "DST3503";
    public const string NoBubblewrap = "DST3504";
    public const string NoBuildUser = "DST3505";
    public const string UnresolvedLibrary = "DST3510";

    public static void Log(TaskLoggingHelper log, string code, string? file, string message) =>
        log.LogError(subcategory: null, code, helpKeyword: null, file, 0, 0, 0, 0, message);

    public static void Warn(TaskLoggingHelper log, string code, string? file, string message) =>
        log.LogWarning(subcategory: null, code, helpKeyword: null, file, 0, 0, 0, 0, message);
}
