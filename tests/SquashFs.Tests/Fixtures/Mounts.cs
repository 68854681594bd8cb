using Distri.Testing;

namespace SquashFs.Tests.Fixtures;

/// <summary>
/// An image mounted for the length of a test, by the kernel (loop, read-only) or by squashfuse, on a
/// fresh directory; disposing unmounts (lazily if still busy) so nothing is left behind.
/// </summary>
public sealed class ImageMount : IDisposable
{
    private readonly bool _fuse;

    private ImageMount(string path, bool fuse)
    {
        Path = path;
        _fuse = fuse;
    }

    public string Path { get; }

    /// <summary>mount -t squashfs -o loop,ro; call <see cref="Requires.LoopMounts"/> first.</summary>
    public static ImageMount Kernel(string image, string mountPoint)
    {
        Directory.CreateDirectory(mountPoint);
        var r = ExternalTool.Run("mount", ["-t", "squashfs", "-o", "loop,ro", image, mountPoint]);
        if (r.ExitCode != 0) Assert.Fail($"the kernel refused to mount {image}: {r.StandardError.Trim()} (see dmesg)\n{Dmesg()}");
        return new ImageMount(mountPoint, fuse: false);
    }

    /// <summary>squashfuse IMAGE DIR; call <see cref="Requires.Fuse"/> first.</summary>
    public static ImageMount SquashFuse(string image, string mountPoint)
    {
        Directory.CreateDirectory(mountPoint);
        var r = ExternalTool.Run(Requires.Tool("squashfuse"), [image, mountPoint]);
        if (r.ExitCode != 0) Assert.Fail($"squashfuse failed on {image}: {r.StandardError.Trim()}");
        return new ImageMount(mountPoint, fuse: true);
    }

    public void Dispose()
    {
        var r = _fuse && ExternalTool.Find("fusermount3") is { } fusermount
            ? ExternalTool.Run(fusermount, ["-u", Path])
            : ExternalTool.Run("umount", [Path]);
        if (r.ExitCode != 0) ExternalTool.Run("umount", ["-l", Path]);
    }

    private static string Dmesg()
    {
        var r = ExternalTool.Run("dmesg", []);
        return string.Join('\n', r.StandardOutput.Split('\n').Where(l => l.Contains("squashfs", StringComparison.OrdinalIgnoreCase)).TakeLast(5));
    }
}
