using Distri.Linux;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Distri.Testing;

/// <summary>
/// Capability checks for tests that need the real system: they end the test as Inconclusive
/// (reported as skipped), never as a silent pass.
/// </summary>
public static class Requires
{
    public static bool IsRoot => Environment.UserName == "root" || LibC.EffectiveUserId == 0;

    public static void Root()
    {
        if (!IsRoot) Assert.Inconclusive("needs root");
    }

    public static void Fuse()
    {
        Root();
        if (!File.Exists("/dev/fuse")) Assert.Inconclusive("needs /dev/fuse");
    }

    /// <summary>Kernel squashfs mounts via loop devices.</summary>
    public static void LoopMounts()
    {
        Root();
        if (!File.Exists("/dev/loop-control")) Assert.Inconclusive("needs /dev/loop-control");
        if (!File.ReadAllText("/proc/filesystems").Contains("squashfs", StringComparison.Ordinal))
        {
            // The module may still autoload on first mount; only a missing module file is conclusive.
            if (!Directory.EnumerateFiles("/lib/modules", "squashfs.ko*", SearchOption.AllDirectories).Any())
                Assert.Inconclusive("the kernel has no squashfs support");
        }
    }

    /// <summary>A tool on PATH (installed by eng/install-prereqs.sh on a normal run).</summary>
    public static string Tool(string name)
    {
        var path = ExternalTool.Find(name);
        if (path is null) Assert.Inconclusive($"needs '{name}' on PATH");
        return path!;
    }
}
