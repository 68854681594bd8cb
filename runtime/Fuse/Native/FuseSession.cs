using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using CliWrap;
using Distri.Linux;

namespace Distri.Fuse.Native;

/// <summary>
/// A mounted libfuse3 low-level session serving one <see cref="LowLevelFileSystem"/>: mount,
/// run the multi-threaded loop, stop (exit + unmount, once, from any thread), kernel cache
/// invalidation. Callbacks are static [UnmanagedCallersOnly] trampolines that find the file system
/// through the request's userdata (a GCHandle).
/// </summary>
internal sealed unsafe class FuseSession : IDisposable
{
    private readonly LowLevelFileSystem _fileSystem;
    private readonly string _mountPoint;
    private GCHandle _self;
    private IntPtr _session;
    private int _stopped;
    private volatile bool _unmounted;

    private FuseSession(LowLevelFileSystem fileSystem, string mountPoint)
    {
        _fileSystem = fileSystem;
        _mountPoint = mountPoint;
    }

    public string MountPoint => _mountPoint;

    /// <summary>The requests served so far, by kind.</summary>
    public FuseRequestCounts Requests { get; } = new();

    /// <summary>Creates the session with the given -o options and mounts it.</summary>
    /// <exception cref="IOException">libfuse refused the options or the mount (it has printed why).</exception>
    public static FuseSession Mount(LowLevelFileSystem fileSystem, string mountPoint, string options)
    {
        var session = new FuseSession(fileSystem, mountPoint);
        session._self = GCHandle.Alloc(session);
        try
        {
            session.Create(options);
            var mountPointBytes = Encoding.UTF8.GetBytes(mountPoint + "\0");
            fixed (byte* mp = mountPointBytes)
            {
                if (LibFuse.SessionMount(session._session, mp) != 0)
                    throw new IOException($"cannot mount on {mountPoint}");
            }
            return session;
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    private void Create(string options)
    {
        // argv for libfuse's option parser: program name, -o, options. libfuse copies what it keeps.
        string[] argv = ["distri", "-o", options];
        var handles = new IntPtr[argv.Length + 1];
        try
        {
            for (var i = 0; i < argv.Length; i++) handles[i] = Marshal.StringToCoTaskMemUTF8(argv[i]);
            fixed (IntPtr* argvPointer = handles)
            {
                var args = new FuseArgs { Argc = argv.Length, Argv = (byte**)argvPointer, Allocated = 0 };
                var ops = CreateOps();
                _session = LibFuse.SessionNew(&args, &ops, (nuint)sizeof(FuseLowLevelOps), GCHandle.ToIntPtr(_self));
            }
        }
        finally
        {
            foreach (var h in handles) if (h != IntPtr.Zero) Marshal.FreeCoTaskMem(h);
        }
        if (_session == IntPtr.Zero) throw new IOException($"libfuse rejected the mount options '{options}'");
    }

    /// <summary>Serves requests on up to <paramref name="maxThreads"/> libfuse threads until stopped or unmounted.</summary>
    public int Run(int maxThreads)
    {
        var config = LibFuse.LoopConfigCreate();
        try
        {
            LibFuse.LoopConfigSetMaxThreads(config, (uint)maxThreads);
            LibFuse.LoopConfigSetIdleThreads(config, (uint)Math.Min(maxThreads, 4));
            return LibFuse.SessionLoopMt(_session, config);
        }
        finally
        {
            LibFuse.LoopConfigDestroy(config);
        }
    }

    /// <summary>
    /// Ends the loop and unmounts, once. The runtime owns SIGINT/SIGTERM, so libfuse's own signal
    /// handling never runs: this is what the daemon's PosixSignalRegistration calls. The loop's
    /// threads sit in read() on /dev/fuse; unmounting aborts the connection, which wakes them.
    /// </summary>
    public void Stop()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0 || _session == IntPtr.Zero) return;
        LibFuse.SessionExit(_session);
        // Busy (a shell sitting in /ro): detach, so the name is free now and the kernel
        // drops the file system when its last user leaves.
        if (LibC.Unmount(_mountPoint, 0) == 0 || LibC.Unmount(_mountPoint, LibC.MNT_DETACH) == 0)
        {
            _unmounted = true;
            return;
        }
        // Not root (e.g. a user namespace without the privilege): the setuid helper can.
        try
        {
            var result = Cli.Wrap("fusermount3").WithArguments(["-u", "-z", _mountPoint])
                .WithValidation(CommandResultValidation.None)
                .ExecuteAsync().GetAwaiter().GetResult();
            _unmounted = result.IsSuccess;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // No fusermount3 installed: nothing else could unmount it either.
        }
    }

    /// <summary>Drops the kernel's cached dentry <paramref name="name"/> in directory <paramref name="parent"/>.</summary>
    public void InvalidateEntry(ulong parent, string name) => InvalidateEntry(parent, Encoding.UTF8.GetBytes(name));

    /// <summary>Drops the kernel's cached dentry named by raw bytes (names need not be UTF-8).</summary>
    public void InvalidateEntry(ulong parent, ReadOnlySpan<byte> name)
    {
        if (_session == IntPtr.Zero || Volatile.Read(ref _stopped) != 0) return;
        var terminated = new byte[name.Length + 1];
        name.CopyTo(terminated);
        fixed (byte* n = terminated) LibFuse.NotifyInvalEntry(_session, parent, n, (nuint)name.Length);
    }

    /// <summary>Drops the kernel's cached attributes and data of <paramref name="ino"/>.</summary>
    public void InvalidateInode(ulong ino)
    {
        if (_session == IntPtr.Zero || Volatile.Read(ref _stopped) != 0) return;
        LibFuse.NotifyInvalInode(_session, ino, 0, 0);
    }

    public void Dispose()
    {
        if (_session != IntPtr.Zero)
        {
            // After Stop() unmounted, libfuse's own unmount would only fail noisily (it may go
            // through fusermount3, which finds nothing mounted); destroy closes the device fd.
            if (!_unmounted) LibFuse.SessionUnmount(_session);
            LibFuse.SessionDestroy(_session);
            _session = IntPtr.Zero;
        }
        if (_self.IsAllocated) _self.Free();
    }

    private static FuseLowLevelOps CreateOps() => new()
    {
        Init = &OnInit,
        Lookup = &OnLookup,
        Forget = &OnForget,
        Getattr = &OnGetattr,
        Readlink = &OnReadlink,
        Open = &OnOpen,
        Read = &OnRead,
        Release = &OnRelease,
        Opendir = &OnOpendir,
        Readdir = &OnReaddir,
        Readdirplus = &OnReaddirplus,
        Releasedir = &OnReleasedir,
        Getxattr = &OnGetxattr,
        Listxattr = &OnListxattr,
        Statfs = &OnStatfs,
        ForgetMulti = &OnForgetMulti,
    };

    private static FuseSession SessionOf(IntPtr request) => (FuseSession)GCHandle.FromIntPtr(LibFuse.RequestUserdata(request)).Target!;

    private static LowLevelFileSystem FileSystemOf(IntPtr request) => SessionOf(request)._fileSystem;

    /// <summary>The file system that answers <paramref name="request"/>, counting the request.</summary>
    private static LowLevelFileSystem Serve(IntPtr request, FuseOperation operation)
    {
        var session = SessionOf(request);
        session.Requests.Add(operation);
        return session._fileSystem;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Fail(IntPtr request, string operation, ulong ino, Exception exception)
    {
        try
        {
            FileSystemOf(request).OnUnhandledException(operation, ino, exception);
        }
        catch
        {
            // Logging must never keep the request from its one reply.
        }
        LibFuse.ReplyErr(request, Errno.EIO);
    }

    private static string Name(byte* name) => Encoding.UTF8.GetString(MemoryMarshal.CreateReadOnlySpanFromNullTerminated(name));

    // Init has no request: userdata is the session's handle. An exception leaves libfuse's defaults.
    [UnmanagedCallersOnly]
    private static void OnInit(IntPtr userdata, FuseConnInfo* connection)
    {
        var fileSystem = ((FuseSession)GCHandle.FromIntPtr(userdata).Target!)._fileSystem;
        try { fileSystem.Init(ref *connection); }
        catch (Exception e) { fileSystem.OnUnhandledException("init", 0, e); }
    }

    [UnmanagedCallersOnly]
    private static void OnLookup(IntPtr req, ulong parent, byte* name)
    {
        try { Serve(req, FuseOperation.Lookup).Lookup(new FuseRequest(req), parent, MemoryMarshal.CreateReadOnlySpanFromNullTerminated(name)); }
        catch (Exception e) { Fail(req, "lookup", parent, e); }
    }

    // Forget has no reply to fail with: an exception is only logged.
    [UnmanagedCallersOnly]
    private static void OnForget(IntPtr req, ulong ino, ulong lookups)
    {
        try { Serve(req, FuseOperation.Forget).Forget(ino, lookups); }
        catch (Exception e) { FileSystemOf(req).OnUnhandledException("forget", ino, e); }
        LibFuse.ReplyNone(req);
    }

    [UnmanagedCallersOnly]
    private static void OnForgetMulti(IntPtr req, nuint count, FuseForgetData* forgets)
    {
        var fileSystem = Serve(req, FuseOperation.ForgetMulti);
        for (nuint i = 0; i < count; i++)
        {
            try { fileSystem.Forget(forgets[i].Ino, forgets[i].Nlookup); }
            catch (Exception e) { fileSystem.OnUnhandledException("forget", forgets[i].Ino, e); }
        }
        LibFuse.ReplyNone(req);
    }

    [UnmanagedCallersOnly]
    private static void OnGetattr(IntPtr req, ulong ino, FuseFileInfo* fi)
    {
        try { Serve(req, FuseOperation.GetAttr).GetAttr(new FuseRequest(req), ino); }
        catch (Exception e) { Fail(req, "getattr", ino, e); }
    }

    [UnmanagedCallersOnly]
    private static void OnReadlink(IntPtr req, ulong ino)
    {
        try { Serve(req, FuseOperation.ReadLink).ReadLink(new FuseRequest(req), ino); }
        catch (Exception e) { Fail(req, "readlink", ino, e); }
    }

    [UnmanagedCallersOnly]
    private static void OnOpen(IntPtr req, ulong ino, FuseFileInfo* fi)
    {
        try { Serve(req, FuseOperation.Open).Open(new FuseRequest(req), ino, ref *fi); }
        catch (Exception e) { Fail(req, "open", ino, e); }
    }

    [UnmanagedCallersOnly]
    private static void OnRead(IntPtr req, ulong ino, nuint size, long offset, FuseFileInfo* fi)
    {
        try { Serve(req, FuseOperation.Read).Read(new FuseRequest(req), ino, (int)Math.Min(size, int.MaxValue), offset, ref *fi); }
        catch (Exception e) { Fail(req, "read", ino, e); }
    }

    [UnmanagedCallersOnly]
    private static void OnRelease(IntPtr req, ulong ino, FuseFileInfo* fi)
    {
        try { Serve(req, FuseOperation.Release).Release(new FuseRequest(req), ino, ref *fi); }
        catch (Exception e) { Fail(req, "release", ino, e); }
    }

    [UnmanagedCallersOnly]
    private static void OnOpendir(IntPtr req, ulong ino, FuseFileInfo* fi)
    {
        try { Serve(req, FuseOperation.OpenDir).OpenDir(new FuseRequest(req), ino, ref *fi); }
        catch (Exception e) { Fail(req, "opendir", ino, e); }
    }

    [UnmanagedCallersOnly]
    private static void OnReaddir(IntPtr req, ulong ino, nuint size, long offset, FuseFileInfo* fi)
    {
        try { Serve(req, FuseOperation.ReadDir).ReadDir(new FuseRequest(req), ino, (int)Math.Min(size, int.MaxValue), offset, ref *fi); }
        catch (Exception e) { Fail(req, "readdir", ino, e); }
    }

    [UnmanagedCallersOnly]
    private static void OnReaddirplus(IntPtr req, ulong ino, nuint size, long offset, FuseFileInfo* fi)
    {
        try { Serve(req, FuseOperation.ReadDirPlus).ReadDirPlus(new FuseRequest(req), ino, (int)Math.Min(size, int.MaxValue), offset, ref *fi); }
        catch (Exception e) { Fail(req, "readdirplus", ino, e); }
    }

    [UnmanagedCallersOnly]
    private static void OnReleasedir(IntPtr req, ulong ino, FuseFileInfo* fi)
    {
        try { Serve(req, FuseOperation.ReleaseDir).ReleaseDir(new FuseRequest(req), ino, ref *fi); }
        catch (Exception e) { Fail(req, "releasedir", ino, e); }
    }

    [UnmanagedCallersOnly]
    private static void OnGetxattr(IntPtr req, ulong ino, byte* name, nuint size)
    {
        try { Serve(req, FuseOperation.GetXattr).GetXattr(new FuseRequest(req), ino, Name(name), (int)Math.Min(size, int.MaxValue)); }
        catch (Exception e) { Fail(req, "getxattr", ino, e); }
    }

    [UnmanagedCallersOnly]
    private static void OnListxattr(IntPtr req, ulong ino, nuint size)
    {
        try { Serve(req, FuseOperation.ListXattr).ListXattr(new FuseRequest(req), ino, (int)Math.Min(size, int.MaxValue)); }
        catch (Exception e) { Fail(req, "listxattr", ino, e); }
    }

    [UnmanagedCallersOnly]
    private static void OnStatfs(IntPtr req, ulong ino)
    {
        try { Serve(req, FuseOperation.StatFs).StatFs(new FuseRequest(req), ino); }
        catch (Exception e) { Fail(req, "statfs", ino, e); }
    }
}
