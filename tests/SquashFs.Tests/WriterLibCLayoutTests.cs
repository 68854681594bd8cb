using System.Runtime.InteropServices;
using Distri.SquashFs.Writing;
using Distri.Testing;

namespace SquashFs.Tests;

/// <summary>Checks the writer's struct statx against the C header, compiled here with the system's compiler.</summary>
[TestClass]
public sealed class WriterLibCLayoutTests
{
    [TestMethod]
    public void StatxMatchesTheKernelHeader()
    {
        var cc = Requires.Tool("cc");
        using var temp = new TempDirectory("writer-layout");
        File.WriteAllText(temp["layout.c"], """
            #define _GNU_SOURCE
            #include <stddef.h>
            #include <stdio.h>
            #include <sys/stat.h>
            #define F(n) printf("%s %zu\n", #n, offsetof(struct statx, n))
            int main(void) {
                printf("size %zu\n", sizeof(struct statx));
                F(stx_mask); F(stx_nlink); F(stx_uid); F(stx_gid); F(stx_mode); F(stx_ino); F(stx_size);
                F(stx_blocks); F(stx_mtime); F(stx_mtime.tv_nsec); F(stx_rdev_major); F(stx_rdev_minor); F(stx_dev_major); F(stx_dev_minor);
                return 0;
            }
            """);
        ExternalTool.Check(cc, "-o", temp["layout"], temp["layout.c"]);
        var c = ExternalTool.Check(temp["layout"]).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' ')).ToDictionary(p => p[0], p => int.Parse(p[1]));

        Assert.AreEqual(c["size"], Marshal.SizeOf<LibC.Statx>());
        (string C, string Cs)[] fields =
        [
            ("stx_mask", "Mask"), ("stx_nlink", "NLink"), ("stx_uid", "Uid"), ("stx_gid", "Gid"), ("stx_mode", "Mode"),
            ("stx_ino", "Ino"), ("stx_size", "Size"), ("stx_blocks", "Blocks"), ("stx_mtime", "MtimeSeconds"), ("stx_mtime.tv_nsec", "MtimeNanoseconds"),
            ("stx_rdev_major", "RdevMajor"), ("stx_rdev_minor", "RdevMinor"), ("stx_dev_major", "DevMajor"), ("stx_dev_minor", "DevMinor"),
        ];
        foreach (var (cName, csName) in fields)
            Assert.AreEqual(c[cName], (int)Marshal.OffsetOf<LibC.Statx>(csName), cName);
    }
}
