using Distri.Linux;
using Distri.Sandbox;
using Distri.Testing;

namespace Fuse.Tests.Views;

/// <summary>One view daemon serves the filtered /ro of several builds at once, each a sandbox sees alone.</summary>
[TestClass]
public sealed class ViewsOfDifferentClosures
{
    [TestMethod]
    public void TwoViewsServedAtOnceEachShowOnlyTheirOwnPackages()
    {
        Requires.Fuse();
        using var views = new ViewDaemonFixture("two");
        views.AddPackage("alpha-amd64-1-1");
        views.AddPackage("beta-amd64-1-1");
        views.AddPackage("gamma-amd64-1-1");
        var first = views.Register(views.Environment("one"), "one-amd64-1-1", "alpha-amd64-1-1", "beta-amd64-1-1");
        var second = views.Register(views.Environment("two"), "two-amd64-1-1", "gamma-amd64-1-1");

        CollectionAssert.AreEquivalent(new[] { "alpha-amd64-1-1", "beta-amd64-1-1", "bin", "include", "lib", "one-amd64-1-1", "sbin", "share" },
            ViewDaemonFixture.ListInSandbox(first), views.Log);
        CollectionAssert.AreEquivalent(new[] { "gamma-amd64-1-1", "bin", "include", "lib", "sbin", "share", "two-amd64-1-1" },
            ViewDaemonFixture.ListInSandbox(second), views.Log);
        CollectionAssert.AreEquivalent(new[] { "alpha", "beta" }, ViewDaemonFixture.ListInSandbox(first, "/ro/bin"), "the exchange directories join only the view's packages");
        CollectionAssert.AreEquivalent(new[] { "libgamma.so" }, ViewDaemonFixture.ListInSandbox(second, "/ro/lib"));
        Assert.AreEqual("gamma", File.ReadAllText(Path.Combine(second, "bin/gamma")));
        Assert.IsFalse(Directory.Exists(Path.Combine(second, "alpha-amd64-1-1")), "another view's package is not there, even by name");
    }

    [TestMethod]
    public void OneDaemonServesEveryViewOfTheDirectory()
    {
        Requires.Fuse();
        using var views = new ViewDaemonFixture("one-daemon");
        views.AddPackage("alpha-amd64-1-1");
        views.Register(views.Environment("one"), "one-amd64-1-1", "alpha-amd64-1-1");
        var daemon = views.DaemonProcess;
        views.Register(views.Environment("two"), "two-amd64-1-1", "alpha-amd64-1-1");

        Assert.IsNotNull(daemon);
        Assert.AreEqual(daemon, views.DaemonProcess, "the second build registered with the running daemon");
        Assert.HasCount(2, BuildView.Served(views.Service));
    }

    [TestMethod]
    public void BuildsRegisteringAtOnceStartOneDaemon()
    {
        Requires.Fuse();
        using var views = new ViewDaemonFixture("parallel");
        views.AddPackage("alpha-amd64-1-1");
        var environments = Enumerable.Range(1, 4).Select(i => views.Environment($"b{i}")).ToList();

        Parallel.ForEach(environments, new ParallelOptions { MaxDegreeOfParallelism = 4 },
            environment => views.Register(environment, "self-amd64-1-1", "alpha-amd64-1-1"));

        Assert.HasCount(4, BuildView.Served(views.Service), views.Log);
        Assert.AreEqual(1, views.Log.Split('\n').Count(l => l.Contains("serving views from", StringComparison.Ordinal)), views.Log);
        foreach (var environment in environments)
            Assert.IsTrue(File.Exists(Path.Combine(BuildView.MountPoint(environment), "bin/alpha")));
    }
}

/// <summary>Registering, re-registering and unregistering views with a running daemon.</summary>
[TestClass]
public sealed class RegisteringViews
{
    [TestMethod]
    public void AViewRegisteredAfterTheDaemonStartedIsUsable()
    {
        Requires.Fuse();
        using var views = new ViewDaemonFixture("later");
        views.AddPackage("alpha-amd64-1-1");
        views.Register(views.Environment("first"), "first-amd64-1-1", "alpha-amd64-1-1");
        // A package built after the daemon started, then a build that needs it.
        views.AddPackage("delta-amd64-1-1");

        var later = views.Register(views.Environment("later"), "later-amd64-1-1", "delta-amd64-1-1");

        CollectionAssert.Contains(ViewDaemonFixture.ListInSandbox(later), "delta-amd64-1-1");
        Assert.AreEqual("delta", File.ReadAllText(Path.Combine(later, "delta-amd64-1-1/out/bin/delta")));
        Assert.IsTrue(Directory.Exists(Path.Combine(later, "later-amd64-1-1")), "the build's own directory, for its destination");
    }

    [TestMethod]
    public void UnregisteringRemovesTheViewAndKeepsTheOthers()
    {
        Requires.Fuse();
        using var views = new ViewDaemonFixture("unregister");
        views.AddPackage("alpha-amd64-1-1");
        var leaving = views.Environment("leaving");
        var staying = views.Register(views.Environment("staying"), "staying-amd64-1-1", "alpha-amd64-1-1");
        var mountPoint = views.Register(leaving, "leaving-amd64-1-1", "alpha-amd64-1-1");

        BuildView.Stop(leaving, views.Service);

        Assert.IsFalse(MountTable.IsMounted(mountPoint));
        CollectionAssert.AreEqual(new[] { staying }, BuildView.Served(views.Service).ToArray());
        Assert.AreEqual("alpha", File.ReadAllText(Path.Combine(staying, "bin/alpha")));
    }

    [TestMethod]
    public void RegisteringTheSameEnvironmentAgainReplacesItsView()
    {
        Requires.Fuse();
        using var views = new ViewDaemonFixture("again");
        views.AddPackage("alpha-amd64-1-1");
        views.AddPackage("beta-amd64-1-1");
        var environment = views.Environment("build");
        views.Register(environment, "self-amd64-1-1", "alpha-amd64-1-1");

        var view = views.Register(environment, "self-amd64-1-1", "beta-amd64-1-1");

        CollectionAssert.AreEquivalent(new[] { "beta-amd64-1-1", "bin", "include", "lib", "sbin", "self-amd64-1-1", "share" }, ViewDaemonFixture.ListInSandbox(view));
        Assert.HasCount(1, BuildView.Served(views.Service));
    }

    [TestMethod]
    public void AViewOfAnImageReplacedSinceAnEarlierViewShowsTheNewImage()
    {
        Requires.Fuse();
        using var views = new ViewDaemonFixture("replaced");
        views.Store.Add("alpha-amd64-1-1", ("bin/alpha", "first build"));
        var environment = views.Environment("build");
        var view = views.Register(environment, "self-amd64-1-1", "alpha-amd64-1-1");
        Assert.AreEqual("first build", File.ReadAllText(Path.Combine(view, "bin/alpha")));
        BuildView.Stop(environment, views.Service);

        // Rebuilt under the same name: the daemon keeps images open between builds, by file identity.
        views.Store.Remove("alpha-amd64-1-1");
        views.Store.Add("alpha-amd64-1-1", ("bin/alpha", "second build"));
        view = views.Register(environment, "self-amd64-1-1", "alpha-amd64-1-1");

        Assert.AreEqual("second build", File.ReadAllText(Path.Combine(view, "bin/alpha")), views.Log);
    }

    [TestMethod]
    public void ARefusedRegistrationIsAnErrorAndTheDaemonServesOn()
    {
        Requires.Fuse();
        using var views = new ViewDaemonFixture("refused");
        views.AddPackage("alpha-amd64-1-1");
        var view = views.Register(views.Environment("good"), "good-amd64-1-1", "alpha-amd64-1-1");

        var error = Assert.ThrowsExactly<InvalidOperationException>(() => views.Register(views.Environment("bad"), "../../etc", "alpha-amd64-1-1"));

        StringAssert.Contains(error.Message, "self");
        Assert.AreEqual("alpha", File.ReadAllText(Path.Combine(view, "bin/alpha")), views.Log);
    }
}

/// <summary>The daemon is not left running for ever, and a dead or hung one does not stop builds.</summary>
[TestClass]
public sealed class ViewDaemonLifetime
{
    [TestMethod]
    public void TheDaemonExitsAfterItsIdlePeriodWithNoView()
    {
        Requires.Fuse();
        using var views = new ViewDaemonFixture("idle", idleExit: TimeSpan.FromSeconds(1));
        views.AddPackage("alpha-amd64-1-1");
        var environment = views.Environment("build");
        views.Register(environment, "self-amd64-1-1", "alpha-amd64-1-1");
        var pid = views.DaemonProcess!.Value;

        BuildView.Stop(environment, views.Service);

        Assert.IsTrue(RoMount.Eventually(() => ProcessIdentity.Of(pid) is not { IsAlive: true }, TimeSpan.FromSeconds(30)), views.Log);
        Assert.IsFalse(File.Exists(ViewProtocol.SocketPath(views.Service.Directory)), "the socket is removed");
        StringAssert.Contains(views.Log, "no view for 1 s");
    }

    [TestMethod]
    public void ADaemonWhoseDirectoryWasRemovedExits()
    {
        Requires.Fuse();
        using var views = new ViewDaemonFixture("removed");
        views.AddPackage("alpha-amd64-1-1");
        var environment = views.Environment("build");
        views.Register(environment, "self-amd64-1-1", "alpha-amd64-1-1");
        var daemon = ProcessIdentity.Of(views.DaemonProcess!.Value)!.Value;

        Directory.Delete(views.Service.Directory, recursive: true); // rm -rf artifacts

        Assert.IsTrue(RoMount.Eventually(() => !daemon.IsAlive, TimeSpan.FromSeconds(60)), "no build can reach it any more");
        Assert.IsFalse(MountTable.IsMounted(BuildView.MountPoint(environment)), "its views went with it");
    }

    [TestMethod]
    public void ADaemonWithAViewDoesNotExit()
    {
        Requires.Fuse();
        using var views = new ViewDaemonFixture("busy", idleExit: TimeSpan.FromMilliseconds(200));
        views.AddPackage("alpha-amd64-1-1");
        var view = views.Register(views.Environment("build"), "self-amd64-1-1", "alpha-amd64-1-1");
        var pid = views.DaemonProcess;

        Thread.Sleep(TimeSpan.FromSeconds(1)); // several idle periods

        Assert.AreEqual(pid, views.DaemonProcess, views.Log);
        Assert.AreEqual("alpha", File.ReadAllText(Path.Combine(view, "bin/alpha")));
    }

    [TestMethod]
    public void AViewWhoseOwnerExitedIsDropped()
    {
        Requires.Fuse();
        using var views = new ViewDaemonFixture("owner", idleExit: TimeSpan.FromMinutes(5));
        views.AddPackage("alpha-amd64-1-1");
        var environment = views.Environment("build");
        using var owner = System.Diagnostics.Process.Start("sleep", ["600"]);
        BuildView.Start(environment, views.Service, views.Store.Directory, ["alpha-amd64-1-1"], "self-amd64-1-1", ProcessIdentity.Of(owner.Id)!.Value);
        Assert.IsTrue(MountTable.IsMounted(BuildView.MountPoint(environment)));

        owner.Kill();
        owner.WaitForExit();

        // The daemon looks at most every 10 s (a quarter of its idle period, capped).
        Assert.IsTrue(RoMount.Eventually(() => !MountTable.IsMounted(BuildView.MountPoint(environment)), TimeSpan.FromSeconds(60)), views.Log);
        Assert.IsEmpty(BuildView.Served(views.Service));
    }

    [TestMethod]
    public void AKilledDaemonIsReplacedAndTheMountItLeftIsDetached()
    {
        Requires.Fuse();
        using var views = new ViewDaemonFixture("killed");
        views.AddPackage("alpha-amd64-1-1");
        var left = views.Environment("left");
        var leftView = views.Register(left, "left-amd64-1-1", "alpha-amd64-1-1");
        var old = views.DaemonProcess!.Value;
        LibC.Signal(old, LibC.SIGKILL);
        Assert.IsTrue(RoMount.Eventually(() => ProcessIdentity.Of(old) is not { IsAlive: true }, TimeSpan.FromSeconds(30)));
        Assert.IsTrue(File.Exists(ViewProtocol.SocketPath(views.Service.Directory)), "kill -9 leaves the socket");
        Assert.IsTrue(MountTable.IsMounted(leftView) && !BuildView.IsServed(leftView), "and a dead mount");

        var view = views.Register(views.Environment("next"), "next-amd64-1-1", "alpha-amd64-1-1");

        Assert.AreNotEqual(old, views.DaemonProcess);
        Assert.AreEqual("alpha", File.ReadAllText(Path.Combine(view, "bin/alpha")), views.Log);
        Assert.IsFalse(MountTable.IsMounted(leftView), "the dead daemon's view is detached by its replacement");
    }

    [TestMethod]
    public void AHungDaemonIsKilledAndReplaced()
    {
        Requires.Fuse();
        using var views = new ViewDaemonFixture("hung", answerTimeout: TimeSpan.FromSeconds(3));
        views.AddPackage("alpha-amd64-1-1");
        views.Register(views.Environment("first"), "first-amd64-1-1", "alpha-amd64-1-1");
        var old = views.DaemonProcess!.Value;
        const int sigstop = 19;
        LibC.Signal(old, sigstop); // the socket accepts, nobody answers

        var view = views.Register(views.Environment("next"), "next-amd64-1-1", "alpha-amd64-1-1");

        Assert.IsTrue(RoMount.Eventually(() => ProcessIdentity.Of(old) is not { IsAlive: true }, TimeSpan.FromSeconds(30)), "the hung daemon was killed");
        Assert.AreEqual("alpha", File.ReadAllText(Path.Combine(view, "bin/alpha")), views.Log);
    }
}
