using System.Net;
using System.Net.Sockets;
using Distri.Linux;
using Distri.Sandbox;
using Distri.Testing;

namespace Sdk.Tests;

/// <summary>
/// <c>distri sandbox</c>: what a build step can see, write and reach. The fixture's /ro holds one
/// tiny "toolchain" — the host's static busybox, copied in, /bin linking to it — so every tool a
/// step runs comes from /ro, as in a real build.
/// </summary>
[TestClass]
public sealed class BuildEnvironmentSandboxTests
{
    private const string Self = "demo-amd64-1.0-1";

    private const string Tools = "busybox-amd64-1-1";

    private sealed class Fixture : IDisposable
    {
        public TempDirectory Temp { get; } = new("sandbox");
        public string Build => Temp.CreateDirectory("build");
        public string Destination => Temp.CreateDirectory("dest/ro/" + Self);
        public string View { get; }
        public string Outside => Temp.CreateDirectory("outside");
        public string SpecPath => Temp["sandbox.json"];

        /// <summary>The unprivileged host user the steps run as (the SDK's default build user).</summary>
        public (uint Uid, uint Gid) User { get; }

        public Fixture()
        {
            View = Temp.CreateDirectory("view");
            Directory.CreateDirectory(Path.Combine(View, Self));
            Directory.CreateDirectory(Path.Combine(View, "other-amd64-1-1"));
            var bin = Directory.CreateDirectory(Path.Combine(View, Tools, "out", "bin")).FullName;
            File.Copy(Requires.Tool("busybox"), Path.Combine(bin, "busybox"));
            foreach (var applet in new[] { "sh", "touch", "cat", "ls", "echo", "id", "nc", "tail", "cut", "tr", "pwd", "head", "stat", "sleep", "timeout" })
                File.CreateSymbolicLink(Path.Combine(bin, applet), "busybox");
            User = FileOwnership.FindUser("distri-build") ?? throw new AssertInconclusiveException("no distri-build user (eng/install-prereqs.sh)");
            foreach (var writable in new[] { Build, Destination })
                FileOwnership.ChangeTree(writable, User.Uid, User.Gid);
            new SandboxSpec
            {
                View = View,
                Self = Self,
                Destination = Destination,
                Writable = [Build],
                Symlinks = { ["/bin"] = $"/ro/{Tools}/out/bin" },
                Environment = { ["PATH"] = "/ro/bin:/usr/bin:/bin" },
                User = new SandboxSpec.BuildUser(User.Uid, User.Gid),
            }.Write(SpecPath);
        }

        public ExternalTool.Result Run(string script) =>
            DistriCli.Run(["sandbox", "--spec", SpecPath, "--", "/bin/sh", "-c", script], workingDirectory: Build);

        public void Dispose() => Temp.Dispose();
    }

    private static void RequireSandbox()
    {
        Requires.Root();
        Requires.Tool("bwrap");
    }

    [TestMethod]
    public void BuildStepWritesOnlyItsDestinationBuildDirTmpAndHome()
    {
        RequireSandbox();
        using var f = new Fixture();
        var r = f.Run($"""
            set -u
            for p in /ro/{Self}/out-file {f.Build}/built /tmp/t "$HOME/h"; do touch "$p" && echo "wrote $p"; done
            for p in {f.Outside}/x /ro/other-amd64-1-1/x /ro/x /usr/x /etc/x /x {f.View}/x; do touch "$p" 2>/dev/null && echo "LEAK $p"; done
            exit 0
            """);
        Assert.AreEqual(0, r.ExitCode, r.StandardError);
        Assert.DoesNotContain("LEAK", r.StandardOutput, r.StandardOutput);
        Assert.IsTrue(File.Exists(Path.Combine(f.Destination, "out-file")), "/ro/<self> is the destination");
        Assert.IsTrue(File.Exists(Path.Combine(f.Build, "built")));
        Assert.IsEmpty(Directory.GetFileSystemEntries(f.Outside));
    }

    [TestMethod]
    public void BuildStepCannotReachTheNetworkNotEvenTheHostsLoopback()
    {
        RequireSandbox();
        using var f = new Fixture();
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        // nc waits on a connection it made (the listener never answers): give up after 2 s.
        var probe = $"timeout 2 nc 127.0.0.1 {port} </dev/null 2>&1 | head -1";

        var host = ExternalTool.Run("busybox", ["sh", "-c", probe]);
        Assert.DoesNotContain("can't connect", host.StandardOutput, "control: the host itself can connect");

        var r = f.Run(probe + "; tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '");
        var lines = r.StandardOutput.Trim().Split('\n');
        Assert.Contains("can't connect", lines[0], r.StandardOutput);
        Assert.AreEqual("lo", lines[^1], "only a loopback interface in the sandbox");
    }

    [TestMethod]
    public void BuildStepSeesTheSpecEnvironmentAndNoHostHomeOrLibraryPath()
    {
        RequireSandbox();
        using var f = new Fixture();
        var r = DistriCli.Run(["sandbox", "--spec", f.SpecPath, "--", "/bin/sh", "-c", "echo $PATH; echo $HOME; echo ${LD_LIBRARY_PATH:-unset}; ls /root 2>&1 | head -1; pwd"],
            workingDirectory: f.Build, environment: new Dictionary<string, string> { ["LD_LIBRARY_PATH"] = "/evil" });
        var lines = r.StandardOutput.Split('\n');
        Assert.AreEqual("/ro/bin:/usr/bin:/bin", lines[0]);
        Assert.AreEqual(Bubblewrap.Home, lines[1]);
        Assert.AreEqual("unset", lines[2]);
        Assert.Contains("No such file", lines[3], "the host's /root is not shown");
        Assert.AreEqual(f.Build, lines[4], "the step runs in its working directory");
    }

    [TestMethod]
    public void BuildStepCannotReadAnythingOfTheHost()
    {
        RequireSandbox();
        using var f = new Fixture();
        var r = f.Run("""
            for p in /etc/shadow /etc/passwd /root /home /usr/lib/x86_64-linux-gnu /usr /lib /var /opt /sys /boot; do
              if ls "$p" >/dev/null 2>&1; then echo "VISIBLE $p"; fi
            done
            ls /
            """);
        Assert.AreEqual(0, r.ExitCode, r.StandardError);
        Assert.DoesNotContain("VISIBLE", r.StandardOutput, "only /ro, the build's own directories and a synthesized /etc exist");
    }

    [TestMethod]
    public void BuildStepRunsAsTheUnprivilegedBuildUserOnTheHost()
    {
        RequireSandbox();
        using var f = new Fixture();
        var r = f.Run($"id -u; touch {f.Build}/mine");
        // The file the step made belongs to the build user on the host: its writes are never root's.
        Assert.AreEqual(0, r.ExitCode, r.StandardError);
        var owner = FileOwnership.FindUser("distri-build")!.Value.Uid;
        Assert.AreEqual(owner.ToString(System.Globalization.CultureInfo.InvariantCulture), r.StandardOutput.Split('\n')[0].Trim());
        var status = ExternalTool.Check("stat", "-c", "%u", Path.Combine(f.Build, "mine")).Trim();
        Assert.AreEqual(owner.ToString(System.Globalization.CultureInfo.InvariantCulture), status, "the step's files are the build user's on the host");
    }

    [TestMethod]
    public void ExitCodeOfTheStepIsTheSandboxsExitCode()
    {
        RequireSandbox();
        using var f = new Fixture();
        Assert.AreEqual(7, f.Run("exit 7").ExitCode);
    }

    [TestMethod]
    public void MalformedSpecIsOneClearErrorWithoutAStackTrace()
    {
        using var temp = new TempDirectory("sandbox");
        File.WriteAllText(temp["bad.json"], "{ nope");
        var r = DistriCli.Run("sandbox", "--spec", temp["bad.json"], "--", "true");
        Assert.AreEqual(2, r.ExitCode);
        Assert.Contains("malformed sandbox spec", r.StandardError);
        Assert.DoesNotContain("   at ", r.StandardError);
    }

    [TestMethod]
    public void ArgumentsHideUserDataAndBindTheDestinationAtRoSelf()
    {
        var args = Bubblewrap.Arguments(new SandboxSpec { Self = Self, Destination = "/d", Writable = ["/b"] }, "/b", ["make"]);
        var text = string.Join(' ', args);
        Assert.DoesNotContain("--ro-bind /root", text);
        Assert.DoesNotContain("--ro-bind /home", text);
        Assert.Contains($"--bind /d /ro/{Self}", text);
        Assert.Contains("--unshare-net", text);
        Assert.AreEqual("make", args[^1]);
        Assert.ThrowsExactly<ArgumentException>(() => Bubblewrap.Arguments(new SandboxSpec { Self = "../etc", Destination = "/d" }, "/", ["x"]));
    }
}
