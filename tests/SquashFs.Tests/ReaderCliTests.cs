using Distri.Linux;
using Distri.Testing;
using SquashFs.Tests.Fixtures;

namespace SquashFs.Tests;

/// <summary>`distri ls` and `distri cat`, run as the built program: output, exit codes, errors on stderr.</summary>
[TestClass]
public sealed class ReaderCliTests
{
    private static string SmallImage(TempDirectory temp)
    {
        TestTrees.WriteSmallTree(temp["tree"]);
        LibC.Chmod(temp["tree/dir/sub"], 0xBED /* 05755: setuid and sticky */);
        TestTrees.SetAllMtimes(temp["tree"], 1_700_000_000);
        return ReaderAcceptanceTests.MakeImage(temp["tree"], temp["image.sqfs"], "-all-root");
    }

    [TestMethod]
    public void LsPrintsALongListingOfTheRoot()
    {
        using var temp = new TempDirectory("cli");
        var ls = DistriCli.Run("ls", SmallImage(temp));

        Assert.AreEqual(0, ls.ExitCode, ls.StandardError);
        Assert.AreEqual(
            "drwxr-xr-x 0/0         77 2023-11-14 22:13 dir\n" +
            "-rw-r--r-- 0/0          0 2023-11-14 22:13 empty\n" +
            "-rw-r--r-- 0/0         13 2023-11-14 22:13 hello.txt\n",
            ls.StandardOutput);
    }

    [TestMethod]
    public void LsRecursiveListsPathsModesAndLinkTargets()
    {
        using var temp = new TempDirectory("cli");
        var ls = DistriCli.Run("ls", SmallImage(temp), "dir", "-R");

        Assert.AreEqual(0, ls.ExitCode, ls.StandardError);
        Assert.AreEqual(
            "-rwxr-xr-x 0/0     393233 2023-11-14 22:13 data.bin\n" +
            "-rw-r--r-- 0/0         13 2023-11-14 22:13 hello-again.txt\n" +
            "lrwxrwxrwx 0/0         12 2023-11-14 22:13 link -> ../hello.txt\n" +
            "drwsr-xr-t 0/0          3 2023-11-14 22:13 sub\n",
            ls.StandardOutput);
    }

    [TestMethod]
    public void LsOfAFileOrSymlinkPrintsThatEntry()
    {
        using var temp = new TempDirectory("cli");
        var image = SmallImage(temp);
        Assert.AreEqual("lrwxrwxrwx 0/0         12 2023-11-14 22:13 dir/link -> ../hello.txt\n", DistriCli.Run("ls", image, "/dir/link").StandardOutput);
        Assert.AreEqual("-rw-r--r-- 0/0         13 2023-11-14 22:13 hello.txt\n", DistriCli.Run("ls", image, "hello.txt").StandardOutput);
    }

    [TestMethod]
    public void CatWritesTheRawBytesAndFollowsSymlinks()
    {
        using var temp = new TempDirectory("cli");
        var image = SmallImage(temp);

        var data = DistriCli.Run("cat", image, "dir/data.bin");
        Assert.AreEqual(0, data.ExitCode, data.StandardError);
        CollectionAssert.AreEqual(File.ReadAllBytes(temp["tree/dir/data.bin"]), data.Output);
        Assert.AreEqual("hello, world\n", DistriCli.Run("cat", image, "dir/link").StandardOutput);
        Assert.AreEqual(0, DistriCli.Run("cat", image, "empty").Output.Length);
    }

    [TestMethod]
    [DataRow("cat", "missing", "missing: no such file or directory")]
    [DataRow("cat", "dir", "dir: is a directory, not a regular file")]
    [DataRow("ls", "dir/missing", "dir/missing: no such file or directory")]
    public void MissingPathsAndDirectoriesFailWithAMessage(string command, string path, string message)
    {
        using var temp = new TempDirectory("cli");
        var result = DistriCli.Run(command, SmallImage(temp), path);
        Assert.AreEqual(1, result.ExitCode);
        Assert.AreEqual(0, result.Output.Length, "nothing on stdout");
        StringAssert.Contains(result.StandardError, message);
    }

    [TestMethod]
    [DataRow("ls")]
    [DataRow("cat")]
    public void ABadImageFailsWithAMessageAndNoStackTrace(string command)
    {
        using var temp = new TempDirectory("cli");
        File.WriteAllText(temp["not-an-image"], new string('x', 200));
        var result = DistriCli.Run(command, temp["not-an-image"], "file");
        Assert.AreEqual(1, result.ExitCode);
        StringAssert.Contains(result.StandardError, "not a SquashFS image");
        Assert.IsFalse(result.StandardError.Contains("   at ", StringComparison.Ordinal), result.StandardError);

        var missing = DistriCli.Run(command, temp["no-such-image"], "file");
        Assert.AreEqual(1, missing.ExitCode);
        StringAssert.Contains(missing.StandardError, "no-such-image");
        Assert.IsFalse(missing.StandardError.Contains("   at ", StringComparison.Ordinal), missing.StandardError);
    }
}
