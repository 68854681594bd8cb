using System.Security.Cryptography;
using System.Text;
using Distri.Testing;

namespace Sdk.Tests;

/// <summary>
/// A Debian source archive of the test's own: a flat <c>file:</c> repository with a Sources index,
/// and <c>apt-get</c>/<c>apt-cache</c> wrapper scripts that see only it (their own sources list,
/// lists and cache directories, no locking), so the host's apt configuration and state are never
/// read or touched. Pass <see cref="AptGet"/> and <see cref="AptCache"/> wherever apt is configurable.
/// </summary>
public sealed class LocalDebianArchive
{
    private readonly string _root;
    private readonly List<string> _stanzas = [];

    public LocalDebianArchive(string directory)
    {
        _root = Directory.CreateDirectory(directory).FullName;
        foreach (var dir in new[] { "repo/pool", "lists/partial", "cache/archives/partial" })
            Directory.CreateDirectory(Path.Combine(_root, dir));
        File.WriteAllText(Path.Combine(_root, "sources.list"), $"deb-src [trusted=yes] file:{_root}/repo ./\n");
        AptGet = WriteWrapper("apt-get");
        AptCache = WriteWrapper("apt-cache");
    }

    /// <summary>The directory holding the wrappers as <c>apt-get</c> and <c>apt-cache</c>: put it first in PATH for tools that run those by name.</summary>
    public string ToolDirectory => _root;

    public string AptGet { get; }
    public string AptCache { get; }

    /// <summary>
    /// Lists source package <paramref name="package"/> at <paramref name="version"/> (no epoch) with
    /// <paramref name="origTarball"/> as its upstream tarball; <paramref name="served"/> false keeps it
    /// in the index but removes its files, as when a point release replaced it on the mirror.
    /// </summary>
    public void Add(string package, string version, string origTarball, bool served = true, string? homepage = null)
    {
        var upstream = version[..version.LastIndexOf('-')];
        // Each version in a directory of its own (the stanza's Directory), so versions may share an
        // upstream tarball's name with the same or with other bytes.
        var directory = Directory.CreateDirectory(Path.Combine(_root, "repo", "pool", version)).FullName;
        var orig = Path.Combine(directory, $"{package}_{upstream}.orig.tar.gz");
        var dsc = Path.Combine(directory, $"{package}_{version}.dsc");
        File.Copy(origTarball, orig);
        File.WriteAllText(dsc, $"Format: 3.0 (quilt)\nSource: {package}\nVersion: {version}\n{(homepage is null ? "" : $"Homepage: {homepage}\n")}");
        var stanza = new StringBuilder($"Package: {package}\nBinary: {package}\nVersion: {version}\nMaintainer: Test <test@localhost>\nArchitecture: any\nFormat: 3.0 (quilt)\nDirectory: pool/{version}\n");
        foreach (var (field, hash) in new (string, Func<byte[], byte[]>)[] { ("Files", MD5.HashData), ("Checksums-Sha256", SHA256.HashData) })
        {
            stanza.Append($"{field}:\n");
            foreach (var file in new[] { dsc, orig })
                stanza.Append($" {Convert.ToHexStringLower(hash(File.ReadAllBytes(file)))} {new FileInfo(file).Length} {Path.GetFileName(file)}\n");
        }
        _stanzas.Add(stanza.ToString());
        if (!served) Directory.Delete(directory, recursive: true);
    }

    /// <summary>Writes the Sources index and runs <c>apt-get update</c> on it.</summary>
    public void Publish()
    {
        File.WriteAllText(Path.Combine(_root, "repo", "Sources"), string.Join("\n", _stanzas));
        var update = ExternalTool.Run(AptGet, ["update", "-qq"]);
        Assert.AreEqual(0, update.ExitCode, $"apt-get update of the test archive:\n{update.StandardOutput}\n{update.StandardError}");
    }

    private string WriteWrapper(string tool)
    {
        var options = new[]
        {
            $"Dir::Etc::sourcelist={_root}/sources.list", "Dir::Etc::sourceparts=-",
            $"Dir::State::Lists={_root}/lists", $"Dir::Cache={_root}/cache", "Debug::NoLocking=1",
        }.Concat(Requires.IsRoot ? ["APT::Sandbox::User=root"] : []);
        var path = Path.Combine(_root, tool);
        File.WriteAllText(path, $"#!/bin/sh\nexec {Requires.Tool(tool)} {string.Join(' ', options.Select(o => $"-o '{o}'"))} \"$@\"\n");
        File.SetUnixFileMode(path, (UnixFileMode)0b111_101_101);
        return path;
    }
}
