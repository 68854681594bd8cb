using Distri.Linux;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace Distri.Packages;

/// <summary>
/// Reads and writes metas and indexes as YAML with camelCase keys. Unknown keys are ignored so
/// older clients read newer files; malformed metas and indexes (bad syntax, a null where a value
/// or list belongs, too large, not a regular file) raise <see cref="InvalidDataException"/> or
/// <see cref="IOException"/> naming the file.
/// </summary>
public static class Yaml
{
    private static readonly ISerializer Serializer = new SerializerBuilder()
        .WithNamingConvention(CamelCaseNamingConvention.Instance)
        .ConfigureDefaultValuesHandling(DefaultValuesHandling.OmitNull)
        .DisableAliases()
        .Build();

    private static readonly IDeserializer Deserializer = new DeserializerBuilder()
        .WithNamingConvention(CamelCaseNamingConvention.Instance)
        .IgnoreUnmatchedProperties()
        .Build();

    public static string Serialize<T>(T value) => Serializer.Serialize(value);

    /// <summary>Parses without further checks: <c>key: ~</c> leaves null where the class has defaults (see <see cref="ParseMeta"/>, <see cref="ParseIndex"/>).</summary>
    public static T Deserialize<T>(string text, string origin) where T : new()
    {
        try
        {
            return Deserializer.Deserialize<T>(text) ?? new T();
        }
        catch (YamlDotNet.Core.YamlException e)
        {
            // "Exception during deserialization" alone says nothing: the inner exception says what (a number that does not parse, …).
            var why = e.InnerException is { } inner ? $"{e.Message}: {inner.Message}" : e.Message;
            throw new InvalidDataException($"{origin}: malformed YAML at line {e.Start.Line}: {why}", e);
        }
    }

    /// <summary>Reads a meta (a regular file of at most <see cref="PackageMeta.MaxFileBytes"/>).</summary>
    public static PackageMeta ReadMeta(string path) => ParseMeta(RegularFile.ReadAllBytes(path, PackageMeta.MaxFileBytes), path);

    /// <summary>Parses a meta, refusing nulls and an invalid full name.</summary>
    public static PackageMeta ParseMeta(byte[] bytes, string origin)
    {
        var meta = DeserializeWithoutNulls<PackageMeta>(System.Text.Encoding.UTF8.GetString(bytes), origin);
        if (!meta.FullName.IsValid(out var error))
        {
            throw new InvalidDataException($"{origin}: {error}");
        }
        return meta;
    }

    /// <summary>Reads an index (a regular file of at most <see cref="RepositoryIndex.MaxFileBytes"/>).</summary>
    public static RepositoryIndex ReadIndex(string path) =>
        ParseIndex(System.Text.Encoding.UTF8.GetString(RegularFile.ReadAllBytes(path, RepositoryIndex.MaxFileBytes)), path);

    /// <summary>Parses an index, refusing nulls.</summary>
    public static RepositoryIndex ParseIndex(string text, string origin) => DeserializeWithoutNulls<RepositoryIndex>(text, origin);

    // `key: ~` replaces a default list or string with null: refuse it once, here, rather than let
    // every reader of a meta or an index meet a NullReferenceException.
    private static T DeserializeWithoutNulls<T>(string text, string origin) where T : IYamlDocument, new()
    {
        var value = Deserialize<T>(text, origin);
        if (value.FindNull() is { } field)
        {
            throw new InvalidDataException($"{origin}: {field} is null (~)");
        }
        return value;
    }

    /// <summary>The first of <paramref name="fields"/> that is null, by its YAML key; for <see cref="IYamlDocument.FindNull"/>.</summary>
    internal static string? FirstNull(params ReadOnlySpan<(string Key, object? Value)> fields)
    {
        foreach (var (key, value) in fields)
        {
            if (value is null) return key;
        }
        return null;
    }

    /// <summary>The first null item of a list, as <c>key[i]</c>.</summary>
    internal static string? FirstNullItem<T>(string key, IReadOnlyList<T?> items) where T : class
    {
        for (var i = 0; i < items.Count; i++)
        {
            if (items[i] is null) return $"{key}[{i}]";
        }
        return null;
    }
}

/// <summary>A YAML document type that can say which of its fields the file set to null.</summary>
public interface IYamlDocument
{
    /// <summary>The YAML key (e.g. <c>packages[3].runtimeDependencies</c>) of the first null, or null when there is none.</summary>
    string? FindNull();
}
