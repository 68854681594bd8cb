namespace Distri.Fuse.Native;

/// <summary>The kinds of kernel request a <see cref="FuseSession"/> serves.</summary>
internal enum FuseOperation
{
    Lookup,
    Forget,
    ForgetMulti,
    GetAttr,
    ReadLink,
    Open,
    Read,
    Release,
    OpenDir,
    ReadDir,
    ReadDirPlus,
    ReleaseDir,
    GetXattr,
    ListXattr,
    StatFs,
}

/// <summary>
/// How many requests of each kind reached the daemon: what a workload costs in round trips, for
/// the tests and benchmarks that check what the kernel answers from its caches. One atomic
/// increment per request.
/// </summary>
internal sealed class FuseRequestCounts
{
    private static readonly FuseOperation[] Operations = Enum.GetValues<FuseOperation>();
    private readonly long[] _counts = new long[Operations.Length];

    public void Add(FuseOperation operation) => Interlocked.Increment(ref _counts[(int)operation]);

    /// <summary>One line: <c>lookup=12 forget=0 …</c>, every operation in declaration order.</summary>
    public override string ToString() =>
        string.Join(' ', Operations.Select(o => $"{o.ToString().ToLowerInvariant()}={Interlocked.Read(ref _counts[(int)o])}"));
}
