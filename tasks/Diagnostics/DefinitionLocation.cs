using System.Xml;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace Distri.Tasks.Diagnostics;

/// <summary>
/// Finds where in a .distpkg an element is written, so a diagnostic points at the mistake rather
/// than at the SDK's targets. MSBuild items and properties do not carry their source location into
/// tasks; a small XML scan of the (tiny) definition file is exact and cheap.
/// </summary>
public static class DefinitionLocation
{
    /// <summary>
    /// The 1-based line of the first element named <paramref name="element"/> (with
    /// <c>Include</c> equal to <paramref name="include"/> when given); 0 when not found, and the line
    /// of the <c>Project</c> element when <paramref name="element"/> is null.
    /// </summary>
    public static int FindLine(string definitionFile, string? element, string? include = null)
    {
        try
        {
            using var reader = XmlReader.Create(definitionFile, new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null });
            var info = (IXmlLineInfo)reader;
            while (reader.Read())
            {
                if (reader.NodeType != XmlNodeType.Element) continue;
                if (element is null && reader.LocalName == "Project") return info.LineNumber;
                if (reader.LocalName != element) continue;
                if (include is null || string.Equals(reader.GetAttribute("Include")?.Trim(), include, StringComparison.Ordinal))
                    return info.LineNumber;
            }
        }
        catch (Exception e) when (e is XmlException or IOException or UnauthorizedAccessException)
        {
            // The project loaded, so this is rare (e.g. the file changed underneath); fall back to no line.
        }
        return 0;
    }

    /// <summary>Logs <paramref name="message"/> at the element's line in the definition file.</summary>
    public static void LogError(this TaskLoggingHelper log, Messages.Message message, string definitionFile, string? element, string? include, params object?[] args)
    {
        var line = FindLine(definitionFile, element, include);
        if (line == 0 && element is not null) line = FindLine(definitionFile, null);
        log.LogError(subcategory: null, errorCode: message.Code, helpKeyword: null, file: definitionFile,
            lineNumber: line, columnNumber: 0, endLineNumber: 0, endColumnNumber: 0, message: message.Format(args));
    }

    /// <summary>The same for a message with no element to point at: the Project line.</summary>
    public static void LogError(this TaskLoggingHelper log, Messages.Message message, string definitionFile, params object?[] args)
        => log.LogError(message, definitionFile, null, null, args);

    /// <summary>A warning with its code at the Project line: something went wrong that the build works around.</summary>
    public static void LogWarning(this TaskLoggingHelper log, Messages.Message message, string definitionFile, params object?[] args) =>
        log.LogWarning(subcategory: null, warningCode: message.Code, helpKeyword: null, file: definitionFile,
            lineNumber: FindLine(definitionFile, null), columnNumber: 0, endLineNumber: 0, endColumnNumber: 0, message: message.Format(args));

    public static string? Meta(this ITaskItem item, string name)
    {
        var value = item.GetMetadata(name);
        return string.IsNullOrWhiteSpace(value) ? null : value.Trim();
    }
}
