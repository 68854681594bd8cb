using Distri.Fuse.Native;
using Distri.Testing;

namespace Fuse.Tests.Native;

/// <summary>
/// Our C# copies of libfuse3 and libc structs must match the C headers byte for byte: a tiny C
/// program compiled against /usr/include/fuse3 prints every size and offset we rely on.
/// </summary>
[TestClass]
public sealed unsafe class StructLayoutTests
{
    private static Dictionary<string, long>? s_native;

    private static Dictionary<string, long> Native()
    {
        if (s_native is not null) return s_native;
        var gcc = Requires.Tool("gcc");
        if (!File.Exists("/usr/include/fuse3/fuse_lowlevel.h")) Assert.Inconclusive("needs libfuse3-dev");
        using var temp = new TempDirectory("fuse-layout");
        var source = temp["layout.c"];
        File.WriteAllText(source, CProgram);
        ExternalTool.Check(gcc, "-I/usr/include/fuse3", "-o", temp["layout"], source);
        var output = ExternalTool.Check(temp["layout"]);
        return s_native = output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' '))
            .ToDictionary(p => p[0], p => long.Parse(p[1], System.Globalization.CultureInfo.InvariantCulture));
    }

    private const string CProgram = """
        #define FUSE_USE_VERSION 312
        #include <fuse_lowlevel.h>
        #include <stddef.h>
        #include <stdio.h>
        #include <string.h>
        #include <sys/stat.h>
        #include <sys/statvfs.h>
        #define P(name, value) printf("%s %ld\n", name, (long)(value))
        #define O(type, field) P(#type "." #field, offsetof(struct type, field))
        int main(void) {
            P("stat", sizeof(struct stat));
            O(stat, st_dev); O(stat, st_ino); O(stat, st_nlink); O(stat, st_mode); O(stat, st_uid);
            O(stat, st_gid); O(stat, st_rdev); O(stat, st_size); O(stat, st_blksize); O(stat, st_blocks);
            O(stat, st_atim); O(stat, st_mtim); O(stat, st_ctim);
            P("statvfs", sizeof(struct statvfs));
            O(statvfs, f_bsize); O(statvfs, f_frsize); O(statvfs, f_blocks); O(statvfs, f_bfree); O(statvfs, f_bavail);
            O(statvfs, f_files); O(statvfs, f_ffree); O(statvfs, f_favail); O(statvfs, f_fsid); O(statvfs, f_flag);
            O(statvfs, f_namemax);
            P("fuse_entry_param", sizeof(struct fuse_entry_param));
            O(fuse_entry_param, ino); O(fuse_entry_param, generation); O(fuse_entry_param, attr);
            O(fuse_entry_param, attr_timeout); O(fuse_entry_param, entry_timeout);
            P("fuse_file_info", sizeof(struct fuse_file_info));
            O(fuse_file_info, flags); O(fuse_file_info, fh); O(fuse_file_info, lock_owner); O(fuse_file_info, poll_events);
            /* Bitfields have no offsetof: set one and see which bits of the word after flags change. */
            struct fuse_file_info fi;
            memset(&fi, 0, sizeof fi); fi.keep_cache = 1; P("fuse_file_info.keep_cache", ((unsigned int *)&fi)[1]);
            memset(&fi, 0, sizeof fi); fi.direct_io = 1; P("fuse_file_info.direct_io", ((unsigned int *)&fi)[1]);
            memset(&fi, 0, sizeof fi); fi.cache_readdir = 1; P("fuse_file_info.cache_readdir", ((unsigned int *)&fi)[1]);
            P("fuse_conn_info", sizeof(struct fuse_conn_info)); O(fuse_conn_info, capable); O(fuse_conn_info, want);
            P("FUSE_CAP_READDIRPLUS", FUSE_CAP_READDIRPLUS); P("FUSE_CAP_READDIRPLUS_AUTO", FUSE_CAP_READDIRPLUS_AUTO);
            P("FUSE_CAP_NO_OPENDIR_SUPPORT", FUSE_CAP_NO_OPENDIR_SUPPORT);
            P("fuse_args", sizeof(struct fuse_args));
            P("fuse_forget_data", sizeof(struct fuse_forget_data)); O(fuse_forget_data, ino); O(fuse_forget_data, nlookup);
            P("fuse_lowlevel_ops", sizeof(struct fuse_lowlevel_ops));
            O(fuse_lowlevel_ops, init); O(fuse_lowlevel_ops, lookup); O(fuse_lowlevel_ops, forget); O(fuse_lowlevel_ops, getattr);
            O(fuse_lowlevel_ops, readlink); O(fuse_lowlevel_ops, open); O(fuse_lowlevel_ops, read);
            O(fuse_lowlevel_ops, release); O(fuse_lowlevel_ops, opendir); O(fuse_lowlevel_ops, readdir);
            O(fuse_lowlevel_ops, releasedir); O(fuse_lowlevel_ops, getxattr); O(fuse_lowlevel_ops, listxattr);
            O(fuse_lowlevel_ops, statfs);
            O(fuse_lowlevel_ops, forget_multi); O(fuse_lowlevel_ops, readdirplus); O(fuse_lowlevel_ops, lseek);
            return 0;
        }
        """;

    private static long Offset(void* structure, void* field) => (byte*)field - (byte*)structure;

    [TestMethod]
    public void StatMatchesGlibc()
    {
        var n = Native();
        var s = new Stat();
        Assert.AreEqual(n["stat"], sizeof(Stat));
        Assert.AreEqual(n["stat.st_dev"], Offset(&s, &s.Dev));
        Assert.AreEqual(n["stat.st_ino"], Offset(&s, &s.Ino));
        Assert.AreEqual(n["stat.st_nlink"], Offset(&s, &s.Nlink));
        Assert.AreEqual(n["stat.st_mode"], Offset(&s, &s.Mode));
        Assert.AreEqual(n["stat.st_uid"], Offset(&s, &s.Uid));
        Assert.AreEqual(n["stat.st_gid"], Offset(&s, &s.Gid));
        Assert.AreEqual(n["stat.st_rdev"], Offset(&s, &s.Rdev));
        Assert.AreEqual(n["stat.st_size"], Offset(&s, &s.Size));
        Assert.AreEqual(n["stat.st_blksize"], Offset(&s, &s.BlockSize));
        Assert.AreEqual(n["stat.st_blocks"], Offset(&s, &s.Blocks));
        Assert.AreEqual(n["stat.st_atim"], Offset(&s, &s.Atime));
        Assert.AreEqual(n["stat.st_mtim"], Offset(&s, &s.Mtime));
        Assert.AreEqual(n["stat.st_ctim"], Offset(&s, &s.Ctime));
    }

    [TestMethod]
    public void StatVfsMatchesGlibc()
    {
        var n = Native();
        var s = new StatVfs();
        Assert.AreEqual(n["statvfs"], sizeof(StatVfs));
        Assert.AreEqual(n["statvfs.f_bsize"], Offset(&s, &s.BlockSize));
        Assert.AreEqual(n["statvfs.f_frsize"], Offset(&s, &s.FragmentSize));
        Assert.AreEqual(n["statvfs.f_blocks"], Offset(&s, &s.Blocks));
        Assert.AreEqual(n["statvfs.f_bfree"], Offset(&s, &s.BlocksFree));
        Assert.AreEqual(n["statvfs.f_bavail"], Offset(&s, &s.BlocksAvailable));
        Assert.AreEqual(n["statvfs.f_files"], Offset(&s, &s.Files));
        Assert.AreEqual(n["statvfs.f_ffree"], Offset(&s, &s.FilesFree));
        Assert.AreEqual(n["statvfs.f_favail"], Offset(&s, &s.FilesAvailable));
        Assert.AreEqual(n["statvfs.f_fsid"], Offset(&s, &s.FileSystemId));
        Assert.AreEqual(n["statvfs.f_flag"], Offset(&s, &s.Flags));
        Assert.AreEqual(n["statvfs.f_namemax"], Offset(&s, &s.NameMax));
    }

    [TestMethod]
    public void FuseEntryParamMatchesHeader()
    {
        var n = Native();
        var e = new FuseEntryParam();
        Assert.AreEqual(n["fuse_entry_param"], sizeof(FuseEntryParam));
        Assert.AreEqual(n["fuse_entry_param.ino"], Offset(&e, &e.Ino));
        Assert.AreEqual(n["fuse_entry_param.generation"], Offset(&e, &e.Generation));
        Assert.AreEqual(n["fuse_entry_param.attr"], Offset(&e, &e.Attr));
        Assert.AreEqual(n["fuse_entry_param.attr_timeout"], Offset(&e, &e.AttrTimeout));
        Assert.AreEqual(n["fuse_entry_param.entry_timeout"], Offset(&e, &e.EntryTimeout));
    }

    [TestMethod]
    public void FuseFileInfoMatchesHeaderIncludingBitfields()
    {
        var n = Native();
        var f = new FuseFileInfo();
        Assert.AreEqual(n["fuse_file_info"], sizeof(FuseFileInfo));
        Assert.AreEqual(n["fuse_file_info.flags"], Offset(&f, &f.Flags));
        Assert.AreEqual(n["fuse_file_info.fh"], Offset(&f, &f.Fh));
        Assert.AreEqual(n["fuse_file_info.lock_owner"], Offset(&f, &f.LockOwner));
        Assert.AreEqual(n["fuse_file_info.poll_events"], Offset(&f, &f.PollEvents));
        Assert.AreEqual(4L, Offset(&f, &f.Bits), "the bitfield word follows flags");
        Assert.AreEqual((long)FuseFileInfo.KeepCacheBit, n["fuse_file_info.keep_cache"]);
        Assert.AreEqual((long)FuseFileInfo.DirectIoBit, n["fuse_file_info.direct_io"]);
        Assert.AreEqual((long)FuseFileInfo.CacheReaddirBit, n["fuse_file_info.cache_readdir"]);
    }

    [TestMethod]
    public void FuseConnInfoMatchesHeaderAndItsCapabilityBits()
    {
        var n = Native();
        var c = new FuseConnInfo();
        Assert.AreEqual(n["fuse_conn_info"], sizeof(FuseConnInfo));
        Assert.AreEqual(n["fuse_conn_info.capable"], Offset(&c, &c.Capable));
        Assert.AreEqual(n["fuse_conn_info.want"], Offset(&c, &c.Want));
        Assert.AreEqual((long)FuseConnInfo.ReaddirPlus, n["FUSE_CAP_READDIRPLUS"]);
        Assert.AreEqual((long)FuseConnInfo.ReaddirPlusAuto, n["FUSE_CAP_READDIRPLUS_AUTO"]);
        Assert.AreEqual((long)FuseConnInfo.NoOpendirSupport, n["FUSE_CAP_NO_OPENDIR_SUPPORT"]);
    }

    [TestMethod]
    public void FuseArgsMatchesHeader() => Assert.AreEqual(Native()["fuse_args"], sizeof(FuseArgs));

    [TestMethod]
    public void FuseForgetDataMatchesHeader()
    {
        var n = Native();
        var f = new FuseForgetData();
        Assert.AreEqual(n["fuse_forget_data"], sizeof(FuseForgetData));
        Assert.AreEqual(n["fuse_forget_data.ino"], Offset(&f, &f.Ino));
        Assert.AreEqual(n["fuse_forget_data.nlookup"], Offset(&f, &f.Nlookup));
    }

    [TestMethod]
    public void FuseLowLevelOpsSlotsMatchHeader()
    {
        var n = Native();
        var o = new FuseLowLevelOps();
        Assert.AreEqual(n["fuse_lowlevel_ops"], sizeof(FuseLowLevelOps));
        Assert.AreEqual(n["fuse_lowlevel_ops.init"], Offset(&o, &o.Init));
        Assert.AreEqual(n["fuse_lowlevel_ops.lookup"], Offset(&o, &o.Lookup));
        Assert.AreEqual(n["fuse_lowlevel_ops.forget"], Offset(&o, &o.Forget));
        Assert.AreEqual(n["fuse_lowlevel_ops.getattr"], Offset(&o, &o.Getattr));
        Assert.AreEqual(n["fuse_lowlevel_ops.readlink"], Offset(&o, &o.Readlink));
        Assert.AreEqual(n["fuse_lowlevel_ops.open"], Offset(&o, &o.Open));
        Assert.AreEqual(n["fuse_lowlevel_ops.read"], Offset(&o, &o.Read));
        Assert.AreEqual(n["fuse_lowlevel_ops.release"], Offset(&o, &o.Release));
        Assert.AreEqual(n["fuse_lowlevel_ops.opendir"], Offset(&o, &o.Opendir));
        Assert.AreEqual(n["fuse_lowlevel_ops.readdir"], Offset(&o, &o.Readdir));
        Assert.AreEqual(n["fuse_lowlevel_ops.releasedir"], Offset(&o, &o.Releasedir));
        Assert.AreEqual(n["fuse_lowlevel_ops.getxattr"], Offset(&o, &o.Getxattr));
        Assert.AreEqual(n["fuse_lowlevel_ops.listxattr"], Offset(&o, &o.Listxattr));
        Assert.AreEqual(n["fuse_lowlevel_ops.statfs"], Offset(&o, &o.Statfs));
        Assert.AreEqual(n["fuse_lowlevel_ops.forget_multi"], Offset(&o, &o.ForgetMulti));
        Assert.AreEqual(n["fuse_lowlevel_ops.readdirplus"], Offset(&o, &o.Readdirplus));
        Assert.AreEqual(n["fuse_lowlevel_ops.lseek"], Offset(&o, &o.Lseek));
    }
}
