using System.Diagnostics.CodeAnalysis;

namespace Distri.Packages;

/// <summary>
/// A package's full name, <c>name-arch-version-revision</c> (e.g. <c>zsh-amd64-5.9-1</c>,
/// <c>json-c-amd64-0.16-1</c>): the one place that parses and formats it. The name may contain
/// dashes; arch and version may not; the revision is a non-negative integer written without
/// leading zeros, so each package has exactly one spelling (two store files never parse to the
/// same package). It is also a
/// directory name under /ro and a file name in stores, so it is validated against hostile input.
/// </summary>
public readonly record struct PackageFullName(string Name, string Arch, string Version, int Revision)
    : IComparable<PackageFullName>
{
    public const string DefaultArch = "amd64";

    public override string ToString() => $"{Name}-{Arch}-{Version}-{Revision}";

    /// <summary>The name with its architecture, e.g. <c>zsh-amd64</c>: what revisions compete within.</summary>
    public string NameAndArch => $"{Name}-{Arch}";

    public static PackageFullName Parse(string text) =>
        TryParse(text, out var result, out var error) ? result : throw new FormatException(error);

    public static bool TryParse(string? text, out PackageFullName result) => TryParse(text, out result, out _);

    public static bool TryParse(string? text, out PackageFullName result, [NotNullWhen(false)] out string? error)
    {
        result = default;
        if (string.IsNullOrEmpty(text))
        {
            error = "empty package name";
            return false;
        }
        var parts = text.Split('-');
        if (parts.Length < 4)
        {
            error = $"'{text}' is not a full package name (expected name-arch-version-revision, e.g. zsh-amd64-5.9-1)";
            return false;
        }
        if (!int.TryParse(parts[^1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var revision))
        {
            error = $"'{text}': revision '{parts[^1]}' is not a non-negative integer";
            return false;
        }
        if (parts[^1].Length > 1 && parts[^1][0] == '0')
        {
            error = $"'{text}': revision '{parts[^1]}' has a leading zero (write {revision})";
            return false;
        }
        var candidate = new PackageFullName(string.Join('-', parts[..^3]), parts[^3], parts[^2], revision);
        if (!candidate.IsValid(out error))
        {
            return false;
        }
        result = candidate;
        return true;
    }

    /// <summary>Checks each component is safe as part of a file name and unambiguous to parse.</summary>
    public bool IsValid([NotNullWhen(false)] out string? error)
    {
        error = ValidateComponent("name", Name, allowDash: true)
            ?? ValidateComponent("arch", Arch, allowDash: false)
            ?? ValidateComponent("version", Version, allowDash: false)
            ?? (Revision < 0 ? $"revision {Revision} is negative" : null);
        return error is null;
    }

    /// <summary>Package names, architectures and versions: letters, digits and <c>. _ + ~</c> (and '-' in names).</summary>
    public static string? ValidateComponent(string what, string? value, bool allowDash)
    {
        if (string.IsNullOrEmpty(value))
        {
            return $"empty {what}";
        }
        if (value.Length > 128)
        {
            return $"{what} '{value[..32]}…' is longer than 128 characters";
        }
        if (value[0] is '.' or '-')
        {
            return $"{what} '{value}' must not start with '{value[0]}'";
        }
        foreach (var c in value)
        {
            var ok = char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '+' or '~' || (allowDash && c == '-');
            if (!ok)
            {
                return $"{what} '{value}' contains '{c}' (allowed: letters, digits, . _ + ~{(allowDash ? " -" : "")})";
            }
        }
        return null;
    }

    /// <summary>Orders by name, arch, then <see cref="PackageOrder"/> (oldest first).</summary>
    public int CompareTo(PackageFullName other)
    {
        var c = string.CompareOrdinal(Name, other.Name);
        if (c == 0) c = string.CompareOrdinal(Arch, other.Arch);
        if (c == 0) c = PackageOrder.Newer.Compare(this, other);
        return c;
    }
}
