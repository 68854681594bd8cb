using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace Distri.Packages;

/// <summary>
/// Reads and writes metas and indexes as YAML with camelCase keys. Unknown keys are ignored so
/// older clients read newer files; malformed files raise <see cref="InvalidDataException"/>
/// naming the file.
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

    public static T Deserialize<T>(string text, string origin) where T : new()
    {
        try
        {
            return Deserializer.Deserialize<T>(text) ?? new T();
        }
        catch (YamlDotNet.Core.YamlException e)
        {
            throw new InvalidDataException($"{origin}: malformed YAML at line {e.Start.Line}: {e.Message}", e);
        }
    }

    public static PackageMeta ReadMeta(string path)
    {
        var meta = Deserialize<PackageMeta>(File.ReadAllText(path), path);
        if (!meta.FullName.IsValid(out var error))
        {
            throw new InvalidDataException($"{path}: {error}");
        }
        return meta;
    }

    public static RepositoryIndex ReadIndex(string path) => Deserialize<RepositoryIndex>(File.ReadAllText(path), path);

    /// <summary>Writes through a temp file and a rename, so readers never see half a file.</summary>
    public static void WriteAtomically(string path, string text)
    {
        var temp = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, $".{Path.GetFileName(path)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        File.WriteAllText(temp, text);
        File.Move(temp, path, overwrite: true);
    }
}
