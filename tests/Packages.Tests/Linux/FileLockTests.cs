using Distri.Linux;
using Distri.Testing;

namespace Distri.Packages.Tests.Linux;

[TestClass]
public sealed class FileLockTests
{
    [TestMethod]
    public void ASecondHolderWaitsUntilTheFirstReleases()
    {
        using var dir = new TempDirectory("lock");
        var first = FileLock.Acquire(dir[".lock"], TimeSpan.FromSeconds(5));
        Assert.IsNull(FileLock.TryAcquire(dir[".lock"]), "held");

        var waited = false;
        var second = FileLock.AcquireAsync(dir[".lock"], () => waited = true);
        Thread.Sleep(300);
        Assert.IsFalse(second.IsCompleted);
        first.Dispose();

        using var held = second.Wait(TimeSpan.FromSeconds(10)) ? second.Result : throw new AssertFailedException("never acquired");
        Assert.IsTrue(waited, "the waiter is told once");
    }

    [TestMethod]
    public void AcquireGivesUpAfterItsTimeoutWithAnIOException()
    {
        using var dir = new TempDirectory("lock");
        using var first = FileLock.Acquire(dir[".lock"], TimeSpan.FromSeconds(5));

        var e = Assert.ThrowsExactly<IOException>(() => FileLock.Acquire(dir[".lock"], TimeSpan.FromMilliseconds(300)));
        StringAssert.Contains(e.Message, dir[".lock"]);
    }

    [TestMethod]
    public void AMissingDirectoryIsAnErrorNotAWait()
    {
        using var dir = new TempDirectory("lock");
        Assert.ThrowsExactly<DirectoryNotFoundException>(() => FileLock.TryAcquire(dir["missing/.lock"]));
    }
}
