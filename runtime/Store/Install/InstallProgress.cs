using Distri.Packages;

namespace Distri.Store.Install;

/// <summary>
/// Byte counters an install updates from its download tasks and a UI polls (progress bars).
/// Counts decoded bytes, so totals match the sizes in the index whatever the transfer encoding.
/// </summary>
public sealed class InstallProgress
{
    private readonly Dictionary<PackageFullName, int> _slots = [];
    private long[] _transferred = [];
    private long _total;

    public IReadOnlyList<PackageFullName> Packages { get; private set; } = [];
    public IReadOnlyList<long> Sizes { get; private set; } = [];

    public long TotalBytes => Interlocked.Read(ref _total);

    public long Transferred(int slot) => Interlocked.Read(ref _transferred[slot]);

    internal void Start(InstallPlan plan)
    {
        Packages = plan.Packages.Select(p => p.Name).ToArray();
        Sizes = plan.Packages.Select(p => p.Entry.ImageSize + p.Entry.MetaSize).ToArray();
        _transferred = new long[Packages.Count];
        for (var i = 0; i < Packages.Count; i++) _slots[Packages[i]] = i;
    }

    internal void Add(PackageFullName name, long bytes)
    {
        Interlocked.Add(ref _transferred[_slots[name]], bytes);
        Interlocked.Add(ref _total, bytes);
    }
}
