using System.Net;
using System.Net.Sockets;
using Distri.Sandbox;
using Distri.Testing;

namespace Sdk.Tests;

/// <summary><c>distri sandbox</c>: what a build step can see, write and reach.</summary>
[TestClass]
public sealed class BuildEnvironmentSandboxTests
{
    private const string Self = "demo-amd64-1.0-1";

    private static string Distri => Path.Combine(AppContext.BaseDirectory, "distri.dll");

    private sealed class Fixture : IDisposable
    {
        public TempDirectory Temp { get; } = new("sandbox");
        public string Build => Temp.CreateDirectory("build");
        public string Destination => Temp.CreateDirectory("dest/ro/" + Self);
        public string View { get; }
        public string Outside => Temp.CreateDirectory("outside");
        public string SpecPath => Temp["sandbox.json"];

        public Fixture()
        {
            View = Temp.CreateDirectory("view");
            Directory.CreateDirectory(Path.Combine(View, Self));
            Directory.CreateDirectory(Path.Combine(View, "other-amd64-1-1"));
            new SandboxSpec
            {
                View = View,
                Self = Self,
                Destination = Destination,
                Writable = [Build],
                Environment = { ["PATH"] = "/ro/bin:/usr/bin:/bin" },
            }.Write(SpecPath);
        }

        public ExternalTool.Result Run(string script) =>
            ExternalTool.Run("dotnet", [Distri, "sandbox", "--spec", SpecPath, "--", "bash", "-c", script], workingDirectory: Build);

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
        var probe = $"exec 3<>/dev/tcp/127.0.0.1/{port} && echo connected";

        var host = ExternalTool.Run("bash", ["-c", probe]);
        Assert.Contains("connected", host.StandardOutput, "control: the host itself can connect");

        var r = f.Run(probe + "; tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '");
        Assert.DoesNotContain("connected", r.StandardOutput);
        Assert.AreEqual("lo", r.StandardOutput.Trim(), "only a loopback interface in the sandbox");
    }

    [TestMethod]
    public void BuildStepSeesTheSpecEnvironmentAndNoHostHomeOrLibraryPath()
    {
        RequireSandbox();
        using var f = new Fixture();
        var r = ExternalTool.Run("dotnet", [Distri, "sandbox", "--spec", f.SpecPath, "--", "sh", "-c", "echo $PATH; echo $HOME; echo ${LD_LIBRARY_PATH:-unset}; ls /root 2>&1 | head -1; pwd"],
            workingDirectory: f.Build, environment: new Dictionary<string, string> { ["LD_LIBRARY_PATH"] = "/evil" });
        var lines = r.StandardOutput.Split('\n');
        Assert.AreEqual("/ro/bin:/usr/bin:/bin", lines[0]);
        Assert.AreEqual(Bubblewrap.Home, lines[1]);
        Assert.AreEqual("unset", lines[2]);
        Assert.Contains("No such file", lines[3], "the host's /root is not shown");
        Assert.AreEqual(f.Build, lines[4], "the step runs in its working directory");
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
        var r = ExternalTool.Run("dotnet", [Distri, "sandbox", "--spec", temp["bad.json"], "--", "true"]);
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
