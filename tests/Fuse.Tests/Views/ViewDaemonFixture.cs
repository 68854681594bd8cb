using Distri.Linux;
using Distri.Sandbox;
using Distri.Testing;
using Fuse.Tests.Mounting;

namespace Fuse.Tests.Views;

/// <summary>
/// A store of packages, a view daemon directory and build environments in a temp directory, for
/// the view daemon run by the built <c>distri</c>; on dispose the daemon is killed and every mount
/// detached, whatever the test left.
/// </summary>
internal sealed class ViewDaemonFixture : IDisposable
{
    private readonly TempDirectory _temp;
    private readonly List<string> _environments = [];

    public ViewDaemonFixture(string name, TimeSpan? idleExit = null, TimeSpan? answerTimeout = null)
    {
        _temp = new TempDirectory("views-" + name);
        Store = new TestStore(_temp);
        Service = new ViewService(_temp["daemon"], [DistriCli.Dotnet, DistriCli.Dll])
        {
            IdleExit = idleExit ?? TimeSpan.FromMinutes(5),
            AnswerTimeout = answerTimeout ?? TimeSpan.FromSeconds(60),
        };
    }

    public TestStore Store { get; }

    public ViewService Service { get; }

    /// <summary>This test process: a view lasts at most as long as it.</summary>
    public static ProcessIdentity Me => ProcessIdentity.Of(System.Environment.ProcessId)!.Value;

    /// <summary>A package with one program <c>bin/NAME</c> and one library <c>lib/libNAME.so</c>.</summary>
    public string AddPackage(string fullName)
    {
        var name = fullName.Split('-')[0];
        return Store.Add(fullName, ($"bin/{name}", name), ($"lib/lib{name}.so", name));
    }

    /// <summary>A build's environment directory (its view is mounted at <c>ro</c> in it).</summary>
    public string Environment(string name)
    {
        var environment = _temp.CreateDirectory(name + "/env");
        _environments.Add(environment);
        return environment;
    }

    /// <summary>Registers a view of <paramref name="packages"/> (and <paramref name="self"/>) for <paramref name="environment"/>; returns its mount point.</summary>
    public string Register(string environment, string self, params string[] packages)
    {
        BuildView.Start(environment, Service, Store.Directory, packages, self, Me);
        return BuildView.MountPoint(environment);
    }

    public int? DaemonProcess => BuildView.DaemonProcess(Service);

    /// <summary>Names at /ro as a sandbox sees them: <c>ls /ro</c> in bubblewrap, the view bound there, the host's /usr to run ls.</summary>
    public static string[] ListInSandbox(string view, string path = "/ro")
    {
        var bwrap = Requires.Tool("bwrap");
        var result = ExternalTool.Run(bwrap, ["--ro-bind", "/usr", "/usr", "--symlink", "usr/bin", "/bin", "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64",
            "--ro-bind", view, "/ro", "--proc", "/proc", "--dev", "/dev", "--unshare-pid", "--die-with-parent", "--", "/bin/ls", "-1", path],
            workingDirectory: null, environment: null, TimeSpan.FromMinutes(1));
        Assert.AreEqual(0, result.ExitCode, $"ls {path} in the sandbox: {result.StandardError}");
        return result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    public string Log => BuildView.Tail(ViewProtocol.LogFile(Service.Directory), 200);

    public void Dispose()
    {
        try
        {
            if (DaemonProcess is { } pid && ProcessIdentity.Of(pid) is { } daemon)
            {
                LibC.Signal(pid, LibC.SIGKILL);
                RoMount.Eventually(() => !daemon.IsAlive, TimeSpan.FromSeconds(10));
            }
        }
        finally
        {
            foreach (var environment in _environments)
                if (MountTable.IsMounted(BuildView.MountPoint(environment))) MountTable.Detach(BuildView.MountPoint(environment));
            _temp.Dispose();
        }
    }
}
