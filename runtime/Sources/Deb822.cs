namespace Distri.Sources;

/// <summary>
/// Debian's control-file format (<c>.dsc</c> files, <c>apt-cache showsrc</c> output): stanzas of
/// <c>Field: value</c> lines separated by blank lines, a line starting with a blank continuing
/// the field before it. An OpenPGP clear-signature around a <c>.dsc</c> is skipped.
/// </summary>
public static class Deb822
{
    /// <summary>The stanzas in order; field names compare case-insensitively, continuation lines are joined with '\n'.</summary>
    public static IReadOnlyList<IReadOnlyDictionary<string, string>> Parse(string text)
    {
        var stanzas = new List<IReadOnlyDictionary<string, string>>();
        var current = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        string? field = null;
        foreach (var raw in text.Replace("\r", "", StringComparison.Ordinal).Split('\n'))
        {
            if (raw.StartsWith("-----BEGIN PGP SIGNATURE", StringComparison.Ordinal)) break;
            if (raw.StartsWith("-----", StringComparison.Ordinal)) continue;
            if (raw.Trim().Length == 0)
            {
                if (current.Count > 0) stanzas.Add(current);
                current = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
                field = null;
                continue;
            }
            if (raw[0] is ' ' or '\t')
            {
                if (field is not null) current[field] = current[field].Length == 0 ? raw.Trim() : current[field] + "\n" + raw.Trim();
                continue;
            }
            var colon = raw.IndexOf(':');
            if (colon <= 0) continue;
            field = raw[..colon];
            current[field] = raw[(colon + 1)..].Trim();
        }
        if (current.Count > 0) stanzas.Add(current);
        return stanzas;
    }
}
