using System.Text.Json;
using System.Text.Json.Serialization;
using Distri.Linux;

namespace Distri.Sandbox;

/// <summary>
/// One package build's sandbox, written once by the prepare target and read by every
/// <c>distri sandbox</c> step: a file rather than command-line flags so the command prefix the
/// SDK prepends to each step is just <c>distri sandbox --spec FILE</c>, with nothing to quote.
/// </summary>
public sealed class SandboxSpec
{
    /// <summary>Host directory shown read-only at <c>/ro</c>: the filtered <c>distri fuse</c> mount. Null: an empty <c>/ro</c>.</summary>
    public string? View { get; set; }

    /// <summary>
    /// The directory of the view daemon that serves <see cref="View"/> (<see cref="ViewService"/>):
    /// <c>distri shell</c> registers the view there again after the build unregistered it.
    /// </summary>
    public string? ViewDaemon { get; set; }

    /// <summary>The package's own full name: <c>/ro/&lt;Self&gt;</c> is <see cref="Destination"/>, writable.</summary>
    public string? Self { get; set; }

    /// <summary>Host directory bound writable at <c>/ro/&lt;Self&gt;</c>, so <c>make install</c> writes at the real prefix.</summary>
    public string? Destination { get; set; }

    /// <summary>Host directories bound writable at their own path (the build directory, the DESTDIR root).</summary>
    public List<string> Writable { get; set; } = [];

    /// <summary>Extra read-only binds: sandbox path → host path (the synthesized /etc, the source tarballs).</summary>
    public SortedDictionary<string, string> ReadOnly { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Symlinks that give upstream build systems the paths they expect (<c>/bin/sh</c>, <c>/usr/include</c>,
    /// the loader): sandbox path → link target, usually somewhere under <c>/ro</c>. Nothing else
    /// of a file system hierarchy exists: the host's is never shown.
    /// </summary>
    public SortedDictionary<string, string> Symlinks { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// The unprivileged host user the build runs as when the caller is root (uid, gid); null: the
    /// caller's own user, in a user namespace bubblewrap makes.
    /// </summary>
    public BuildUser? User { get; set; }

    /// <summary>Variables set inside the sandbox (PATH, CPATH, LDFLAGS…), overriding inherited ones.</summary>
    public SortedDictionary<string, string> Environment { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// The environment each step is started with (the SDK's <c>DistriBuildEnvironment</c>), before
    /// the sandbox applies <see cref="Environment"/>: <c>distri shell</c> starts its shell with it,
    /// so a look inside after a failure sees what the failed step saw.
    /// </summary>
    public SortedDictionary<string, string> StepEnvironment { get; set; } = new(StringComparer.Ordinal);

    /// <summary>False (the default): a fresh network namespace with only a loopback interface.</summary>
    public bool Network { get; set; }

    public sealed record BuildUser(uint Uid, uint Gid);

    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Options);

    public static SandboxSpec Read(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<SandboxSpec>(File.ReadAllText(path), Options)
                ?? throw new InvalidDataException($"{path}: empty sandbox spec");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: malformed sandbox spec: {e.Message}", e);
        }
    }

    /// <summary>Writes only when the content changes, so the file's timestamp can be an incremental-build input.</summary>
    public void Write(string path) => AtomicFile.WriteIfChanged(path, ToJson());
}
