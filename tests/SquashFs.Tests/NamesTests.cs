using System.Text;
using Distri.SquashFs;
using Distri.Testing;

namespace SquashFs.Tests;

/// <summary>
/// Linux names are bytes: the reader hands back names that are not UTF-8, hold newlines or
/// backslashes, start with a dash or are 255 bytes long exactly as mksquashfs stored them, and
/// `distri ls` prints each on one line with escapes. .NET cannot name such files, so bash makes the tree.
/// </summary>
[TestClass]
public sealed class NamesTests
{
    private static readonly byte[] Latin1 = [.. "caf"u8, 0xE9];
    private static readonly byte[] NotUtf8 = [0xFF, 0xFE];
    private static readonly byte[] Long = [.. Enumerable.Repeat((byte)'n', 255)];

    /// <summary>The names of <c>share/</c> in the image, in the image's (byte) order, with their contents.</summary>
    private static readonly (byte[] Name, string Content)[] Share =
    [
        ("-leading-dash"u8.ToArray(), "dash\n"),
        ("back\\slash"u8.ToArray(), "bs\n"),
        (Latin1, "latin1\n"),
        ("line\nbreak"u8.ToArray(), "nl\n"),
        ("link"u8.ToArray(), ""),
        (Long, "long\n"),
        (NotUtf8, "ff\n"),
    ];

    private static string MakeImage(TempDirectory temp)
    {
        var tree = temp.CreateDirectory("tree");
        try
        {
            ExternalTool.Check("bash", "-c", """
                set -e
                cd "$1"
                mkdir share
                printf 'dash\n' > share/-leading-dash
                printf 'bs\n' > 'share/back\slash'
                printf 'latin1\n' > $'share/caf\xe9'
                printf 'nl\n' > $'share/line\nbreak'
                ln -s $'caf\xe9' share/link
                printf 'long\n' > "share/$(printf 'n%.0s' $(seq 255))"
                printf 'ff\n' > $'share/\xff\xfe'
                """, "bash", tree);
            return ReaderAcceptanceTests.MakeImage(tree, temp["image.sqfs"], "-all-root");
        }
        finally
        {
            // .NET cannot name those files to delete them; rm can.
            ExternalTool.Run("rm", ["-rf", "--", tree]);
        }
    }

    [TestMethod]
    public void ReadDirectoryRawGivesTheStoredBytesAndTheyLookUpAndRead()
    {
        using var temp = new TempDirectory("names-raw");
        using var image = SquashFsImage.Open(MakeImage(temp));
        var share = image.Lookup("share")!;

        var entries = image.ReadDirectoryRaw(share).ToList();

        Assert.AreEqual(Share.Length, entries.Count);
        for (var i = 0; i < Share.Length; i++)
        {
            var (name, content) = Share[i];
            CollectionAssert.AreEqual(name, entries[i].Name, $"entry {i}");
            var inode = image.Lookup(share, name);
            Assert.IsNotNull(inode, $"lookup of entry {i} by its bytes");
            Assert.AreEqual(entries[i].InodeReference, inode.InodeReference);
            Assert.AreEqual(inode.Type, image.GetInode(entries[i]).Type);
            if (inode.Type != SquashFsEntryType.File) continue;
            var buffer = new byte[64];
            Assert.AreEqual(content, Encoding.UTF8.GetString(buffer, 0, image.Read(inode, 0, buffer)), $"content of entry {i}");
        }
        CollectionAssert.AreEqual(Latin1, image.ReadLinkBytes(image.Lookup(share, "link"u8)!).ToArray());
    }

    [TestMethod]
    public void ReadDirectoryStillDecodesNamesWithReplacementCharacters()
    {
        using var temp = new TempDirectory("names-decoded");
        using var image = SquashFsImage.Open(MakeImage(temp));
        var share = image.Lookup("share")!;

        var names = image.ReadDirectory(share).Select(e => e.Name).ToList();

        CollectionAssert.AreEqual(Share.Select(s => Encoding.UTF8.GetString(s.Name)).ToList(), names);
        CollectionAssert.Contains(names, "caf\uFFFD");
        Assert.IsNotNull(image.Lookup("share/line\nbreak"), "UTF-8 names with control characters still look up by string");
        Assert.IsNotNull(image.Lookup("share/" + new string('n', 255)));
        Assert.AreEqual("caf\uFFFD", image.ReadLink(image.Lookup("share/link")!));
    }

    [TestMethod]
    public void LsPrintsEachHostileNameOnOneLineWithEscapes()
    {
        using var temp = new TempDirectory("names-ls");
        var ls = DistriCli.Run("ls", MakeImage(temp), "share");

        Assert.AreEqual(0, ls.ExitCode, ls.StandardError);
        var names = ls.StandardOutput.TrimEnd('\n').Split('\n').Select(l => l[(l.IndexOf(':') + 4)..]).ToArray();
        CollectionAssert.AreEqual(
            new[] { "-leading-dash", @"back\\slash", @"caf\351", @"line\nbreak", @"link -> caf\351", new string('n', 255), @"\377\376" },
            names);
        Assert.IsTrue(ls.Output.All(b => b < 0x80), "the listing is plain ASCII");
    }
}
