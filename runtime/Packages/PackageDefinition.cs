using System.Globalization;
using System.Xml;

namespace Distri.Packages;

/// <summary>
/// A package definition, <c>pkgs/&lt;name&gt;/&lt;name&gt;.distpkg</c>, as tools read it outside MSBuild
/// (bump, ci, the build summary, the cycle check, the tasks' error locations): its name, revision
/// and the packages it depends on, and where an element is written, from the literal XML — nothing
/// is evaluated, so a value written as <c>$(…)</c> stays as written. The one reader of the format
/// outside MSBuild. Malformed files raise <see cref="InvalidDataException"/> naming the file.
/// </summary>
public sealed class PackageDefinition
{
    public const string Extension = ".distpkg";

    public required string Path { get; init; }
    public required string Name { get; init; }

    /// <summary>The literal <c>&lt;Revision&gt;</c> text; null when absent (the SDK's default, 1).</summary>
    public string? RevisionText { get; init; }

    /// <summary>Build and runtime dependencies (<c>Dependency</c>, <c>RuntimeDependency</c>), by name.</summary>
    public required IReadOnlyList<string> Dependencies { get; init; }

    /// <summary>The names of its split parts (<c>Split</c>): packages of their own, built, versioned and revised with it.</summary>
    public IReadOnlyList<string> Splits { get; init; } = [];

    /// <summary>Its own properties (the children of its <c>PropertyGroup</c>s), name and literal value, in order.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Properties { get; init; } = [];

    public static PackageDefinition Read(string path)
    {
        var dependencies = new List<string>();
        var splits = new List<string>();
        var properties = new List<KeyValuePair<string, string>>();
        try
        {
            using var reader = Open(path);
            while (reader.Read())
            {
                if (reader.NodeType != XmlNodeType.Element) continue;
                switch (reader.LocalName)
                {
                    case "PropertyGroup" when !reader.IsEmptyElement:
                        ReadProperties(reader, properties);
                        break;
                    case "Dependency" or "RuntimeDependency":
                        dependencies.AddRange((reader.GetAttribute("Include") ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
                        break;
                    case "Split":
                        splits.AddRange((reader.GetAttribute("Include") ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
                        break;
                }
            }
        }
        catch (XmlException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
        string? Last(string property) => properties.LastOrDefault(p => p.Key == property).Value?.Trim();
        var name = Last("PackageName");
        return new PackageDefinition
        {
            Path = path,
            Name = string.IsNullOrEmpty(name) ? System.IO.Path.GetFileNameWithoutExtension(path) : name,
            RevisionText = Last("Revision"),
            Properties = properties,
            Dependencies = [.. dependencies.Distinct(StringComparer.Ordinal)],
            Splits = [.. splits.Distinct(StringComparer.Ordinal)],
        };
    }

    /// <summary>The child elements of the <c>PropertyGroup</c> the reader is on, each read to its end.</summary>
    private static void ReadProperties(XmlReader reader, List<KeyValuePair<string, string>> properties)
    {
        var depth = reader.Depth + 1;
        reader.Read();
        while (!reader.EOF && reader.Depth >= depth)
        {
            if (reader.NodeType == XmlNodeType.Element && reader.Depth == depth)
                properties.Add(new(reader.LocalName, reader.ReadElementContentAsString())); // moves past the element
            else
                reader.Read();
        }
    }

    /// <summary>The last literal value of its property <paramref name="name"/>, trimmed; null when not set.</summary>
    public string? Property(string name) => Properties.LastOrDefault(p => p.Key == name).Value?.Trim();

    /// <summary>The revision as a number: 1 when absent; an error for a value that is not a literal integer.</summary>
    public int Revision => RevisionText is null ? 1
        : int.TryParse(RevisionText, NumberStyles.None, CultureInfo.InvariantCulture, out var r) ? r
        : throw new InvalidDataException($"{Path}: <Revision> '{RevisionText}' is not a literal non-negative integer");

    /// <summary>
    /// <paramref name="text"/> (this definition's content) with its revision set to
    /// <paramref name="revision"/>; every other byte (formatting, comments) stays. Without a
    /// <c>&lt;Revision&gt;</c> element, one is added on its own line after <c>&lt;Version&gt;</c>.
    /// </summary>
    public string WithRevision(string text, int revision)
    {
        var value = revision.ToString(CultureInfo.InvariantCulture);
        var lines = text.Split('\n');
        using (var reader = XmlReader.Create(new StringReader(text), Settings))
        {
            var info = (IXmlLineInfo)reader;
            while (reader.Read())
            {
                if (reader.NodeType != XmlNodeType.Element || reader.LocalName is not ("Revision" or "Version")) continue;
                var element = reader.LocalName;
                var (line, column) = (info.LineNumber - 1, info.LinePosition - 2); // the position of '<'
                if (element == "Revision")
                {
                    if (reader.IsEmptyElement) throw new InvalidDataException($"{Path}: <Revision/> is empty");
                    reader.Read();
                    if (reader.NodeType != XmlNodeType.Text || info.LineNumber - 1 != line)
                        throw new InvalidDataException($"{Path}: <Revision> must hold a number on one line");
                    var start = info.LinePosition - 1;
                    var old = reader.Value;
                    lines[line] = lines[line][..start] + old.Replace(old.Trim(), value) + lines[line][(start + old.Length)..];
                    return string.Join('\n', lines);
                }
                if (RevisionText is null)
                {
                    var indent = lines[line][..column];
                    if (!string.IsNullOrWhiteSpace(indent)) indent = "";
                    var endsWithCr = lines[line].EndsWith('\r');
                    return string.Join('\n', [.. lines[..(line + 1)], $"{indent}<Revision>{value}</Revision>{(endsWithCr ? "\r" : "")}", .. lines[(line + 1)..]]);
                }
            }
        }
        throw new InvalidDataException($"{Path}: neither <Revision> nor <Version> found");
    }

    /// <summary>
    /// The 1-based line where the first element named <paramref name="element"/> (with
    /// <c>Include</c> equal to <paramref name="include"/> when given) is written in the definition at
    /// <paramref name="path"/>; the <c>Project</c> element's line when <paramref name="element"/> is
    /// null; 0 when not found or the file cannot be read. MSBuild items and properties do not carry
    /// their location into tasks: this is how a diagnostic points at the mistake.
    /// </summary>
    public static int FindLine(string path, string? element, string? include = null)
    {
        try
        {
            using var reader = Open(path);
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
            // A diagnostic without a line is still a diagnostic.
        }
        return 0;
    }

    private static readonly XmlReaderSettings Settings = new() { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null };

    private static XmlReader Open(string path) => XmlReader.Create(path, Settings);
}
