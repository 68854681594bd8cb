using System.Security.Cryptography;
using System.Text;
using Distri.Linux;
using Distri.Packages;
using Distri.Tasks.Diagnostics;
using Distri.Tasks.Images;
using Microsoft.Build.Framework;

namespace Distri.Tasks.Definition;

/// <summary>
/// Digests everything a package build consumes and writes it to <see cref="DigestFile"/> only when
/// it changed: the definition and every file it references, named by their paths relative to the
/// package folder; values (declared source hashes, the SDK version, …); and each dependency's
/// full name with its image sha256, read from its published meta. Nothing machine- or
/// checkout-specific goes in, so the same commit gives the same digest in any directory on any
/// machine: the key of the shared build cache, and what a published full name is bound to.
/// Then, in the same call (a task call costs a task-host round trip, and a build with nothing to
/// do is mostly these): is the package published from exactly these inputs? Then it is up to date.
/// Published from other inputs, it is refused (DST4004) before any source is fetched: a full name
/// is immutable, a changed package needs a new revision (<c>distri bump</c>).
/// </summary>
public sealed class WriteInputDigest : Microsoft.Build.Utilities.Task
{
    [Required] public string DigestFile { get; set; } = "";
    [Required] public string DefinitionFile { get; set; } = "";

    /// <summary>Files are named relative to this folder (the package's).</summary>
    [Required] public string PackageDirectory { get; set; } = "";
    public ITaskItem[] Files { get; set; } = [];
    public string[] Values { get; set; } = [];

    /// <summary>GetDistriPackageInfo results: full name and MetaPath.</summary>
    public ITaskItem[] Dependencies { get; set; } = [];

    /// <summary>The package's full name and the repository it is published to.</summary>
    [Required] public string FullName { get; set; } = "";
    [Required] public string RepositoryDirectory { get; set; } = "";

    [Output] public string Digest { get; set; } = "";
    [Output] public bool Changed { get; set; }
    [Output] public bool UpToDate { get; set; }

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
        var files = Files.Select(f => f.GetMetadata("FullPath")).Distinct(StringComparer.Ordinal)
            .Select(path => (Name: Path.GetRelativePath(PackageDirectory, path), Path: path))
            .OrderBy(f => f.Name, StringComparer.Ordinal);
        foreach (var (name, path) in files)
        {
            Add("name", Encoding.UTF8.GetBytes(name));
            Add("file", File.ReadAllBytes(path));
        }
        foreach (var dependency in Dependencies.OrderBy(d => d.ItemSpec, StringComparer.Ordinal))
        {
            try
            {
                var meta = Yaml.ReadMeta(dependency.GetMetadata("MetaPath"));
                Add("dependency", Encoding.UTF8.GetBytes($"{dependency.ItemSpec} {meta.ImageSha256}"));
            }
            catch (Exception e) when (e is InvalidDataException or IOException)
            {
                Log.LogError(Messages.BadDependencyMeta, DefinitionFile, dependency.ItemSpec, e.Message);
            }
        }
        if (Log.HasLoggedErrors) return false;
        Digest = "sha256:" + Convert.ToHexStringLower(hash.GetHashAndReset());

        var previous = File.Exists(DigestFile) ? File.ReadAllText(DigestFile).Trim() : null;
        Changed = previous != Digest;
        if (Changed)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(DigestFile))!);
            AtomicFile.WriteAllText(DigestFile, Digest + "\n");
            Log.LogMessage(MessageImportance.Normal, "inputs changed: {0}", Digest);
        }

        var full = PackageFullName.Parse(FullName);
        if (LocalRepository.Conflict(RepositoryDirectory, full, Digest) is { } published)
        {
            Log.LogError(Messages.FullNameTaken, DefinitionFile, "Revision", null, FullName, published, Digest, full.Name);
            return false;
        }
        UpToDate = LocalRepository.Published(RepositoryDirectory, full) is { } current && LocalRepository.HasImage(RepositoryDirectory, current);
        return true;
    }
}
