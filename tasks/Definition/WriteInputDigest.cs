using System.Security.Cryptography;
using System.Text;
using Microsoft.Build.Framework;

namespace Distri.Tasks.Definition;

/// <summary>
/// Digests everything a package build consumes (definition file, patches and other files, source
/// hashes, dependency full names, the SDK version) and writes it to <see cref="DigestFile"/> only
/// when it changed. The file is the build target's Input: an added, removed or edited input
/// invalidates the build even when no timestamp moved, and an unchanged one keeps it up to date.
/// </summary>
public sealed class WriteInputDigest : Microsoft.Build.Utilities.Task
{
    [Required] public string DigestFile { get; set; } = "";
    public ITaskItem[] Files { get; set; } = [];
    public string[] Values { get; set; } = [];

    [Output] public string Digest { get; set; } = "";
    [Output] public bool Changed { get; set; }

    public override bool Execute()
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        // Length-prefixed fields: no two different input lists can produce the same byte stream.
        void Add(string kind, ReadOnlySpan<byte> bytes)
        {
            hash.AppendData(Encoding.UTF8.GetBytes($"{kind}:{bytes.Length}:"));
            hash.AppendData(bytes);
        }
        foreach (var value in Values) Add("value", Encoding.UTF8.GetBytes(value));
        foreach (var file in Files.OrderBy(f => f.ItemSpec, StringComparer.Ordinal))
        {
            Add("name", Encoding.UTF8.GetBytes(file.ItemSpec));
            Add("file", File.ReadAllBytes(file.GetMetadata("FullPath")));
        }
        Digest = "sha256:" + Convert.ToHexStringLower(hash.GetHashAndReset());

        var previous = File.Exists(DigestFile) ? File.ReadAllText(DigestFile).Trim() : null;
        Changed = previous != Digest;
        if (Changed)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(DigestFile))!);
            Packages.Yaml.WriteAtomically(DigestFile, Digest + "\n");
            Log.LogMessage(MessageImportance.Normal, "inputs changed: {0}", Digest);
        }
        return true;
    }
}
