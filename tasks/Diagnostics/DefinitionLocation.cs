using Distri.Packages;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace Distri.Tasks.Diagnostics;

/// <summary>
/// Logs diagnostics at the line of the .distpkg where the element they are about is written
/// (<see cref="PackageDefinition.FindLine"/>), so they point at the mistake rather than at the SDK's targets.
/// </summary>
public static class DefinitionLocation
{
    /// <summary>Logs <paramref name="message"/> at the element's line in the definition file.</summary>
    public static void LogError(this TaskLoggingHelper log, Messages.Message message, string definitionFile, string? element, string? include, params object?[] args)
    {
        var line = PackageDefinition.FindLine(definitionFile, element, include);
        if (line == 0 && element is not null) line = PackageDefinition.FindLine(definitionFile, null);
        log.LogError(subcategory: null, errorCode: message.Code, helpKeyword: null, file: definitionFile,
            lineNumber: line, columnNumber: 0, endLineNumber: 0, endColumnNumber: 0, message: message.Format(args));
    }

    /// <summary>The same for a message with no element to point at: the Project line.</summary>
    public static void LogError(this TaskLoggingHelper log, Messages.Message message, string definitionFile, params object?[] args)
        => log.LogError(message, definitionFile, null, null, args);

    /// <summary>
    /// An error about the dependency <paramref name="name"/>, at its <c>Dependency</c> or
    /// <c>RuntimeDependency</c> element (the Project line when the definition names it nowhere,
    /// e.g. a dependency's own runtime dependency).
    /// </summary>
    public static void LogDependencyError(this TaskLoggingHelper log, Messages.Message message, string definitionFile, string name, params object?[] args)
    {
        var element = PackageDefinition.FindLine(definitionFile, "Dependency", name) != 0 ? "Dependency" : "RuntimeDependency";
        log.LogError(message, definitionFile, element, name, args);
    }

    /// <summary>A warning with its code at the Project line: something went wrong that the build works around.</summary>
    public static void LogWarning(this TaskLoggingHelper log, Messages.Message message, string definitionFile, params object?[] args) =>
        log.LogWarning(message, definitionFile, null, null, args);

    /// <summary>The same at an element's line (the element to change to make the warning go away).</summary>
    public static void LogWarning(this TaskLoggingHelper log, Messages.Message message, string definitionFile, string? element, string? include, params object?[] args)
    {
        var line = PackageDefinition.FindLine(definitionFile, element, include);
        if (line == 0 && element is not null) line = PackageDefinition.FindLine(definitionFile, null);
        log.LogWarning(subcategory: null, warningCode: message.Code, helpKeyword: null, file: definitionFile,
            lineNumber: line, columnNumber: 0, endLineNumber: 0, endColumnNumber: 0, message: message.Format(args));
    }

    public static string? Meta(this ITaskItem item, string name)
    {
        var value = item.GetMetadata(name);
        return string.IsNullOrWhiteSpace(value) ? null : value.Trim();
    }
}
