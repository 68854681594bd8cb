using Distri.Packages;
using Distri.Testing;
using Fuse.Tests.Mounting;

namespace Fuse.Tests;

/// <summary>
/// Linux names are bytes: an image made by mksquashfs from a tree with names that are not UTF-8,
/// hold newlines, backslashes, leading dashes or 255 bytes shows under /ro with the same bytes.
/// .NET cannot name such files, so the tree is made, compared and removed by bash and coreutils.
/// </summary>
[TestClass]
public sealed class NamesTests
{
    private const string Package = "names-amd64-1-1";

    /// <summary>Writes the hostile tree into $1 (a package root).</summary>
    private const string MakeTree = """
        set -e
        cd "$1"
        long=$(printf 'n%.0s' $(seq 255))
        mkdir -p out/bin out/share/d
        printf 'latin1\n' > $'out/share/caf\xe9'
        printf 'ff\n' > $'out/share/d/\xff\xfe'
        printf 'nl\n' > $'out/share/line\nbreak'
        printf 'bs\n' > 'out/share/back\slash'
        printf 'dash\n' > out/share/-leading-dash
        printf 'long\n' > "out/share/$long"
        ln -s $'caf\xe9' out/share/link
        ln -s $'d/\xff\xfe' out/share/deep-link
        printf 'ok\n' > out/bin/ok
        printf 'bad\n' > $'out/bin/bad\xff'
        printf 'nl\n' > $'out/bin/new\nline'
        """;

    /// <summary>Describes the tree at $1 in ASCII: names and link targets as hex, contents as hashes, `ls`, `stat`, `cat`.</summary>
    private const string Describe = """
        set -e
        export LC_ALL=C
        cd "$1"
        long=$(printf 'n%.0s' $(seq 255))
        find . -mindepth 1 -printf '%y %m %P\0' | sort -z | od -An -tx1
        find . -type f -print0 | sort -z | xargs -0 sha256sum --
        find . -type l -print0 | sort -z | xargs -0 readlink -z -- | od -An -tx1
        stat -c '%s %F' -- $'out/share/caf\xe9' $'out/share/d/\xff\xfe' "out/share/$long" out/share/link
        cat -- $'out/share/caf\xe9' $'out/share/d/\xff\xfe' $'out/share/line\nbreak' 'out/share/back\slash' out/share/-leading-dash "out/share/$long" out/share/link out/share/deep-link
        ls -1A --quoting-style=escape out/share
        """;

    [TestMethod]
    public void NamesThatAreNotPlainUtf8ListStatAndReadWithTheirOriginalBytes()
    {
        Requires.Fuse();
        using var temp = new TempDirectory("fuse-names");
        var (store, source) = MakeStore(temp);
        try
        {
            using var mount = RoMount.Start(store, temp.CreateDirectory("ro"));
            var expected = Bash(Describe, source);
            var actual = Bash(Describe, mount[Package]);

            Assert.AreEqual(expected, actual, "the tree under /ro must have the source's names, targets, sizes and contents");
            StringAssert.Contains(actual, "latin1\nff\nnl\nbs\ndash\nlong\nlatin1\nff\n", "cat through every hostile name and link");
            StringAssert.Contains(actual, "caf\\351\n", "ls shows the Latin-1 name's byte");
            StringAssert.Contains(actual, "line\\nbreak\n");
            StringAssert.Contains(actual, "back\\\\slash\n");
            StringAssert.Contains(actual, "\n5 regular file\n", "stat of the 255-byte name");
            Assert.AreEqual("", mount.StandardError);
        }
        finally
        {
            RemoveTree(source);
        }
    }

    [TestMethod]
    public void ExchangeDirectoriesLeaveOutNamesThatAreNotUtf8AndKeepTheOthers()
    {
        Requires.Fuse();
        using var temp = new TempDirectory("fuse-names-exchange");
        var (store, source) = MakeStore(temp);
        try
        {
            using var mount = RoMount.Start(store, temp.CreateDirectory("ro"));

            // The non-UTF-8 name stays under /ro/<full>/out/bin; /ro/bin links only what it can name as a path.
            Assert.AreEqual("new\\nline\nok\n", Bash("LC_ALL=C ls -1A --quoting-style=escape \"$1\"", mount["bin"]));
            Assert.AreEqual("ok\nnl\n", Bash("cat -- \"$1/ok\" \"$1/new\nline\"", mount["bin"]));
            Assert.AreEqual($"../{Package}/out/bin/new\nline", Bash("readlink -- \"$1/new\nline\"", mount["bin"]).TrimEnd('\n'));
            Assert.AreEqual("bad\n", Bash("cat -- \"$1\"/$'bad\\xff'", mount[$"{Package}/out/bin"]));
            var absent = ExternalTool.Run("bash", ["-c", "stat -- \"$1\"/$'bad\\xff' \"$2\"/$'\\xff'", "bash", mount["bin"], mount.MountPoint]);
            Assert.AreNotEqual(0, absent.ExitCode);
            StringAssert.Contains(absent.StandardError, "No such file or directory");
            Assert.AreEqual("", mount.StandardError);
        }
        finally
        {
            RemoveTree(source);
        }
    }

    [TestMethod]
    public void AJoinedPluginDirectoryShowsThePluginsNamesAsBytes()
    {
        Requires.Fuse();
        using var temp = new TempDirectory("fuse-names-join");
        var store = new TestStore(temp);
        store.Add("host-amd64-1-1", ("lib/host/modules/core.so", "core"));
        var source = AddPacked(temp, store.Directory, "plug-amd64-1-1", """
            set -e
            mkdir -p "$1/out/lib/host/modules"
            cd "$1/out/lib/host/modules"
            printf 'latin1' > $'plug\xe9.so'
            printf 'nl' > $'line\nplug.so'
            printf 'shadowed' > core.so
            """, new ExchangeDirectory { Directory = "lib/host/modules", Host = "host" });
        try
        {
            using var mount = RoMount.Start(store.Directory, temp.CreateDirectory("ro"));
            var modules = mount["host-amd64-1-1/out/lib/host/modules"];

            Assert.AreEqual("core.so\nline\\nplug.so\nplug\\351.so\n", Bash("LC_ALL=C ls -1A --quoting-style=escape \"$1\"", modules));
            Assert.AreEqual("core|latin1|nl", Bash("cd \"$1\" && printf '%s|%s|%s' \"$(cat core.so)\" \"$(cat $'plug\\xe9.so')\" \"$(cat $'line\\nplug.so')\"", modules));
            Assert.AreEqual("", mount.StandardError);
        }
        finally
        {
            RemoveTree(source);
        }
    }

    [TestMethod]
    public void DfShowsTheStoreSizeAndTheLongestImageName()
    {
        Requires.Fuse();
        using var temp = new TempDirectory("fuse-names-statfs");
        var store = new TestStore(temp);
        var image = store.Add("zsh-amd64-5.9-1", ("bin/zsh", new string('z', 100_000)));
        using var mount = RoMount.Start(store.Directory, temp.CreateDirectory("ro"));

        var blocks = (new FileInfo(image).Length + 4095) / 4096;
        Assert.AreEqual($"256 {blocks} 4096 0 0", ExternalTool.Check("stat", "-f", "-c", "%l %b %S %f %a", mount.MountPoint).Trim());
        var df = ExternalTool.Check("df", "-B4096", "--output=size,used,avail,target", mount.MountPoint).Split('\n')[1];
        CollectionAssert.AreEqual(new[] { blocks.ToString(), blocks.ToString(), "0", mount.MountPoint }, df.Split(' ', StringSplitOptions.RemoveEmptyEntries));
    }

    /// <summary>A store with one package, <see cref="Package"/>, holding the hostile tree.</summary>
    private static (string Store, string Source) MakeStore(TempDirectory temp)
    {
        var store = temp.CreateDirectory("store");
        return (store, AddPacked(temp, store, Package, MakeTree));
    }

    /// <summary>
    /// Adds a package whose root <paramref name="script"/> fills (given as $1), packed by mksquashfs
    /// (our writer refuses names that are not UTF-8); returns the source tree, which the caller removes.
    /// </summary>
    private static string AddPacked(TempDirectory temp, string store, string fullName, string script, params ExchangeDirectory[] joins)
    {
        var mksquashfs = Requires.Tool("mksquashfs");
        var source = temp.CreateDirectory("source-" + fullName);
        Bash(script, source);
        var name = PackageFullName.Parse(fullName);
        var meta = new PackageMeta { Name = name.Name, Arch = name.Arch, Version = name.Version, Revision = name.Revision, ExchangeDirectories = [.. joins] };
        File.WriteAllText(Path.Combine(store, StoreLayout.MetaFileName(name)), Yaml.Serialize(meta));
        var temporary = Path.Combine(temp.CreateDirectory("images"), fullName + ".tmp");
        ExternalTool.Check(mksquashfs, source, temporary, "-noappend", "-no-progress", "-quiet", "-processors", "1");
        File.Move(temporary, Path.Combine(store, StoreLayout.ImageFileName(name)));
        return source;
    }

    private static string Bash(string script, string argument) => ExternalTool.Check("bash", "-c", script, "bash", argument);

    // .NET cannot name files that are not UTF-8 to delete them; rm can.
    private static void RemoveTree(string path) => ExternalTool.Run("rm", ["-rf", "--", path]);
}
