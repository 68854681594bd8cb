using Distri.Packages;
using Distri.SquashFs;
using Distri.Testing;

namespace Fuse.Tests.Mounting;

/// <summary>A store directory filled in the test: each package's tree is written by a callback and packed with our image writer.</summary>
internal sealed class TestStore
{
    private readonly TempDirectory _temp;
    private int _sources;

    public TestStore(TempDirectory temp)
    {
        _temp = temp;
        Directory = temp.CreateDirectory("store");
    }

    public string Directory { get; }

    /// <summary>
    /// Adds <paramref name="fullName"/>: <paramref name="fill"/> gets the package root (write into
    /// <c>out/…</c>). Like an install, the image is written under a temporary name and renamed last.
    /// <paramref name="metaText"/>, when given, is written as the meta instead of a generated one.
    /// </summary>
    public string Add(string fullName, Action<string> fill, IEnumerable<ExchangeDirectory>? joins = null, string? metaText = null)
    {
        var name = PackageFullName.Parse(fullName);
        var source = _temp.CreateDirectory($"src{Interlocked.Increment(ref _sources)}");
        fill(source);
        var meta = new PackageMeta { Name = name.Name, Arch = name.Arch, Version = name.Version, Revision = name.Revision, ExchangeDirectories = [.. joins ?? []] };
        File.WriteAllText(Path.Combine(Directory, StoreLayout.MetaFileName(name)), metaText ?? Yaml.Serialize(meta));
        var temporary = Path.Combine(_temp.CreateDirectory("images"), fullName + ".tmp");
        SquashFsWriter.Write(source, temporary);
        var image = Path.Combine(Directory, StoreLayout.ImageFileName(name));
        File.Move(temporary, image);
        return image;
    }

    /// <summary>A package whose out/ holds the given files (relative path → content; a trailing '/' makes a directory).</summary>
    public string Add(string fullName, params (string Path, string Content)[] files) => Add(fullName, root => Fill(root, files));

    /// <summary>Writes files below <c>root/out</c> (relative path → content; a trailing '/' makes a directory).</summary>
    public static void Fill(string root, params (string Path, string Content)[] files)
    {
        foreach (var (path, content) in files)
        {
            var full = System.IO.Path.Combine(root, "out", path);
            if (path.EndsWith('/'))
            {
                System.IO.Directory.CreateDirectory(full);
                continue;
            }
            System.IO.Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
            File.WriteAllText(full, content);
        }
    }

    public void Remove(string fullName)
    {
        File.Delete(Path.Combine(Directory, fullName + StoreLayout.ImageExtension));
        File.Delete(Path.Combine(Directory, fullName + StoreLayout.MetaExtension));
    }
}
