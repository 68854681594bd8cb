using Distri.Testing;

namespace Sdk.Tests;

/// <summary>A tiny upstream project made in a test: files under <c>NAME-1.0/</c>, tarred, and a definition on a builder.</summary>
internal static class TinyProject
{
    public static string Tarball(PackageFixture f, string name, Dictionary<string, string> files)
    {
        var top = Directory.CreateDirectory(f[$"tarballs/{name}-1.0"]).FullName;
        foreach (var (path, content) in files)
        {
            var full = Path.Combine(top, path);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.WriteAllText(full, content.Replace("\r", ""));
            if (path.EndsWith("configure", StringComparison.Ordinal)) File.SetUnixFileMode(full, (UnixFileMode)0b111_101_101);
        }
        var tarball = f[$"tarballs/{name}-1.0.tar.gz"];
        ExternalTool.Check("tar", "-czf", tarball, "-C", f["tarballs"], "--mtime=@0", "--owner=0", "--group=0", $"{name}-1.0");
        return tarball;
    }

    public static string Definition(string tarball, string builder, string properties = "", string items = "") => $"""
        <Project Sdk="Distri.Sdk">
          <PropertyGroup>
            <Version>1.0</Version>
            <Builder>{builder}</Builder>
            {properties}
          </PropertyGroup>
          <ItemGroup>
            <Source Include="file://{tarball}" Sha256="{PackageFixture.Sha256(tarball)}" />
            {items}
          </ItemGroup>
        </Project>
        """;
}
