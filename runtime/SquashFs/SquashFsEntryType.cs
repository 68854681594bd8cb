namespace Distri.SquashFs;

/// <summary>What an entry of an image is, independent of basic/extended inode encoding.</summary>
public enum SquashFsEntryType
{
    Directory,
    File,
    Symlink,
    BlockDevice,
    CharDevice,
    Fifo,
    Socket,
}
