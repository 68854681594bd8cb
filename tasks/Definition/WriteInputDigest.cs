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
/// full name with its image sha256 (and its split parts'), read from its published meta. Nothing
/// machine- or checkout-specific goes in, so the same commit gives the same digest in any directory
/// on any machine: the key of the shared build cache, and what a published full name is bound to.
/// Then, in the same call (a task call costs a task-host round trip, and a build with nothing to
/// do is mostly these): is the package published from exactly these inputs, with all its parts?
/// Then it is up to date. It or a part published from other inputs is refused (DST4004) before
/// any source is fetched: a full name is immutable, a changed package needs a new revision
/// (<c>distri bump</c>).
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

    /// <summary>The other full names the build may publish (split parts, the debug image): none may be taken by other inputs.</summary>
    public ITaskItem[] Parts { get; set; } = [];

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
                // Its split parts are in the build's view too (headers, static libraries).
                foreach (var part in meta.SplitPackages)
                {
                    if (!PackageFullName.TryParse(part, out var parsed, out var error)) throw new InvalidDataException($"split package {error}");
                    var partMeta = Yaml.ReadMeta(Path.Combine(Path.GetDirectoryName(dependency.GetMetadata("MetaPath"))!, StoreLayout.MetaFileName(parsed)));
                    Add("dependency", Encoding.UTF8.GetBytes($"{part} {partMeta.ImageSha256}"));
                }
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
        foreach (var name in Parts.Select(p => PackageFullName.Parse(p.ItemSpec)).Prepend(full))
        {
            if (LocalRepository.Conflict(RepositoryDirectory, name, Digest) is { } published)
                Log.LogError(Messages.FullNameTaken, DefinitionFile, "Revision", null, name, published, Digest, full.Name);
        }
        if (Log.HasLoggedErrors) return false;
        UpToDate = LocalRepository.Published(RepositoryDirectory, full) is { } current && LocalRepository.IsComplete(RepositoryDirectory, current);
        return true;
    }
}
