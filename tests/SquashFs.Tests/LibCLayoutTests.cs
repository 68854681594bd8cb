using System.Runtime.InteropServices;
using Distri.Linux;
using Distri.Testing;

namespace SquashFs.Tests;

/// <summary>Checks the structs of the one libc binding (Distri.Linux) against the C headers, compiled here with the system's compiler.</summary>
[TestClass]
public sealed class LibCLayoutTests
{
    [TestMethod]
    public void StatxMatchesTheKernelHeader()
    {
        var c = CompileAndRun("""
            #include <sys/stat.h>
            #define S struct statx
            int main(void) {
                SIZE(S);
                F(S, stx_mask); F(S, stx_nlink); F(S, stx_uid); F(S, stx_gid); F(S, stx_mode); F(S, stx_ino); F(S, stx_size);
                F(S, stx_blocks); F(S, stx_mtime); F(S, stx_mtime.tv_nsec); F(S, stx_rdev_major); F(S, stx_rdev_minor); F(S, stx_dev_major); F(S, stx_dev_minor);
                return 0;
            }
            """);

        Assert.AreEqual(c["size"], Marshal.SizeOf<Statx>());
        (string C, string Cs)[] fields =
        [
            ("stx_mask", "Mask"), ("stx_nlink", "NLink"), ("stx_uid", "Uid"), ("stx_gid", "Gid"), ("stx_mode", "Mode"),
            ("stx_ino", "Ino"), ("stx_size", "Size"), ("stx_blocks", "Blocks"), ("stx_mtime", "MtimeSeconds"), ("stx_mtime.tv_nsec", "MtimeNanoseconds"),
            ("stx_rdev_major", "RdevMajor"), ("stx_rdev_minor", "RdevMinor"), ("stx_dev_major", "DevMajor"), ("stx_dev_minor", "DevMinor"),
        ];
        foreach (var (cName, csName) in fields)
            Assert.AreEqual(c[cName], (int)Marshal.OffsetOf<Statx>(csName), cName);
    }

    [TestMethod]
    public void OpenHowMatchesTheKernelHeader()
    {
        var c = CompileAndRun("""
            #include <linux/openat2.h>
            #define S struct open_how
            int main(void) { SIZE(S); F(S, flags); F(S, mode); F(S, resolve); return 0; }
            """);

        Assert.AreEqual(c["size"], Marshal.SizeOf<OpenHow>());
        foreach (var (cName, csName) in new[] { ("flags", "Flags"), ("mode", "Mode"), ("resolve", "Resolve") })
            Assert.AreEqual(c[cName], (int)Marshal.OffsetOf<OpenHow>(csName), cName);
    }

    [TestMethod]
    public void ConstantsMatchTheHeaders()
    {
        var c = CompileAndRun("""
            #include <errno.h>
            #include <fcntl.h>
            #include <signal.h>
            #include <sys/mount.h>
            #include <sys/stat.h>
            #include <unistd.h>
            #include <linux/openat2.h>
            #define V(n) printf("%s %ld\n", #n, (long)(n))
            int main(void) {
                V(ENOENT); V(ENXIO); V(EEXIST); V(EXDEV); V(EISDIR); V(ERANGE); V(ELOOP); V(ENODATA); V(EOPNOTSUPP);
                V(AT_FDCWD); V(AT_SYMLINK_NOFOLLOW); V(AT_EMPTY_PATH); V(STATX_TYPE); V(STATX_BASIC_STATS); V(SEEK_SET); V(SEEK_DATA);
                V(MNT_DETACH); V(SIGKILL); V(SIGTERM);
                V(S_IFMT); V(S_IFSOCK); V(S_IFLNK); V(S_IFREG); V(S_IFBLK); V(S_IFDIR); V(S_IFCHR); V(S_IFIFO);
                V(O_RDONLY); V(O_WRONLY); V(O_CREAT); V(O_NOCTTY); V(O_NONBLOCK); V(O_CLOEXEC); V(O_PATH); V(O_DIRECTORY); V(O_NOFOLLOW);
                V(RESOLVE_NO_MAGICLINKS); V(RESOLVE_NO_SYMLINKS); V(RESOLVE_BENEATH);
                return 0;
            }
            """);

        foreach (var field in typeof(LibC).GetFields().Where(f => f.IsStatic && f.Name.ToUpperInvariant() == f.Name))
        {
            Assert.IsTrue(c.ContainsKey(field.Name), $"{field.Name} is not checked here: add it to the program above");
            Assert.AreEqual(c[field.Name], Convert.ToInt64(field.GetValue(null)), field.Name);
        }
    }

    /// <summary>Compiles <paramref name="program"/> (with SIZE and F macros printing "size N" and "field N") and parses its output.</summary>
    private static Dictionary<string, long> CompileAndRun(string program)
    {
        var cc = Requires.Tool("cc");
        using var temp = new TempDirectory("libc-layout");
        File.WriteAllText(temp["layout.c"], """
            #define _GNU_SOURCE
            #include <stddef.h>
            #include <stdio.h>
            #define SIZE(s) printf("size %zu\n", sizeof(s))
            #define F(s, n) printf("%s %zu\n", #n, offsetof(s, n))

            """ + program);
        ExternalTool.Check(cc, "-o", temp["layout"], temp["layout.c"]);
        return ExternalTool.Check(temp["layout"]).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' ')).ToDictionary(p => p[0], p => long.Parse(p[1], System.Globalization.CultureInfo.InvariantCulture));
    }
}
