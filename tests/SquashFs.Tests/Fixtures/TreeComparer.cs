using System.Text;
using Distri.Linux;

namespace SquashFs.Tests.Fixtures;

/// <summary>What <see cref="TreeComparer"/> compares besides names, types, contents and link targets.</summary>
public sealed record TreeCompareOptions
{
    public bool Modes { get; init; } = true;
    public bool Owners { get; init; } = true;
    public bool Mtimes { get; init; } = true;
    /// <summary>Directory mtimes (unsquashfs -d and some tools cannot restore them exactly).</summary>
    public bool DirectoryMtimes { get; init; } = true;
    /// <summary>Symlink mtimes.</summary>
    public bool SymlinkMtimes { get; init; } = true;
    public bool Xattrs { get; init; } = true;
    /// <summary>Ignore expected xattrs with an empty value (squashfuse 0.1 answers ENODATA for them, for any image).</summary>
    public bool IgnoreEmptyXattrValues { get; init; }
    /// <summary>Link counts of non-directories.</summary>
    public bool HardLinks { get; init; } = true;
    /// <summary>That hard links share one inode number on both sides (not so through squashfuse).</summary>
    public bool SharedInodes { get; init; } = true;
    /// <summary>When set, only xattrs whose names start with one of these are compared.</summary>
    public IReadOnlyList<string>? XattrPrefixes { get; init; }
    /// <summary>When set, every actual mtime must equal this instead of the expected one.</summary>
    public long? MtimeOverride { get; init; }
    /// <summary>Relative paths (with '/') whose contents are not compared (e.g. a huge sparse file).</summary>
    public IReadOnlySet<string> SkipContents { get; init; } = new HashSet<string>();

    public static TreeCompareOptions All { get; } = new();
}

/// <summary>
/// Compares two directory trees through the real filesystem (lstat fields, contents, link targets,
/// xattrs), e.g. a source tree with its image mounted by the kernel, and describes the differences.
/// </summary>
public static class TreeComparer
{
    private const int MaxReported = 20;

    /// <summary>Fails the test with the first differences when the trees are not the same.</summary>
    public static void AssertSame(string expectedRoot, string actualRoot, TreeCompareOptions? options = null)
    {
        var differences = Compare(expectedRoot, actualRoot, options);
        if (differences.Count > 0)
            Assert.Fail($"{expectedRoot} and {actualRoot} differ ({differences.Count}{(differences.Count >= MaxReported ? "+" : "")} differences):\n  " + string.Join("\n  ", differences));
    }

    /// <summary>Lists up to 20 differences ("path: what"), empty when the trees are the same.</summary>
    public static IReadOnlyList<string> Compare(string expectedRoot, string actualRoot, TreeCompareOptions? options = null)
    {
        var state = new State(options ?? TreeCompareOptions.All);
        CompareEntry(state, expectedRoot, actualRoot, "", isRoot: true);
        return state.Differences;
    }

    /// <summary>All relative paths below <paramref name="root"/> with lstat, sorted by name bytes, not following symlinks.</summary>
    public static IEnumerable<string> ListRecursive(string root)
    {
        foreach (var name in ListNames(root))
        {
            var path = Path.Combine(root, name);
            yield return name;
            if (FixtureNative.LStat(path).IsDirectory)
                foreach (var child in ListRecursive(path))
                    yield return name + "/" + child;
        }
    }

    private sealed class State(TreeCompareOptions options)
    {
        public TreeCompareOptions Options { get; } = options;
        public List<string> Differences { get; } = [];
        /// <summary>Expected inode → actual inode, to check hard links map one to one.</summary>
        public Dictionary<ulong, ulong> Inodes { get; } = [];
        public Dictionary<ulong, ulong> ReverseInodes { get; } = [];
        public bool Full => Differences.Count >= MaxReported;

        public void Add(string relative, string what)
        {
            if (!Full) Differences.Add($"{(relative.Length == 0 ? "." : relative)}: {what}");
        }
    }

    private static void CompareEntry(State state, string expected, string actual, string relative, bool isRoot = false)
    {
        if (state.Full) return;
        var e = FixtureNative.LStat(expected);
        Statx a;
        try
        {
            a = FixtureNative.LStat(actual);
        }
        catch (IOException ex)
        {
            state.Add(relative, "missing: " + ex.Message);
            return;
        }
        var options = state.Options;

        if (e.FileType != a.FileType)
        {
            state.Add(relative, $"type {e.FileType:x} != {a.FileType:x}");
            return;
        }
        if (options.Modes && (e.Mode & 0xFFF) != (a.Mode & 0xFFF))
            state.Add(relative, $"mode {Convert.ToString(e.Mode & 0xFFF, 8)} != {Convert.ToString(a.Mode & 0xFFF, 8)}");
        if (options.Owners && (e.Uid != a.Uid || e.Gid != a.Gid))
            state.Add(relative, $"owner {e.Uid}:{e.Gid} != {a.Uid}:{a.Gid}");
        var compareMtime = options.Mtimes && (!e.IsDirectory || options.DirectoryMtimes) && (!e.IsSymlink || options.SymlinkMtimes);
        var expectedMtime = options.MtimeOverride ?? e.MtimeSeconds;
        if (compareMtime && expectedMtime != a.MtimeSeconds)
            state.Add(relative, $"mtime {expectedMtime} != {a.MtimeSeconds}");
        if (options.Xattrs) CompareXattrs(state, expected, actual, relative);

        if (e.IsDirectory)
        {
            var expectedNames = ListNames(expected);
            var actualNames = ListNames(actual);
            if (!expectedNames.SequenceEqual(actualNames))
            {
                var missing = expectedNames.Except(actualNames).Take(5);
                var extra = actualNames.Except(expectedNames).Take(5);
                state.Add(relative, $"entries differ ({expectedNames.Count} vs {actualNames.Count}); missing [{string.Join(", ", missing)}], extra [{string.Join(", ", extra)}]");
            }
            foreach (var name in expectedNames.Intersect(actualNames))
                CompareEntry(state, Path.Combine(expected, name), Path.Combine(actual, name), relative.Length == 0 ? name : relative + "/" + name);
            return;
        }

        if (options.HardLinks && !isRoot)
        {
            if (e.NLink != a.NLink) state.Add(relative, $"nlink {e.NLink} != {a.NLink}");
            if (options.SharedInodes && (state.Inodes.TryGetValue(e.Ino, out var mapped) ? mapped != a.Ino : state.ReverseInodes.ContainsKey(a.Ino)))
                state.Add(relative, "hard links are not shared the same way on both sides");
            state.Inodes[e.Ino] = a.Ino;
            state.ReverseInodes[a.Ino] = e.Ino;
        }
        if (e.IsSymlink)
        {
            var expectedTarget = new FileInfo(expected).LinkTarget;
            var actualTarget = new FileInfo(actual).LinkTarget;
            if (expectedTarget != actualTarget) state.Add(relative, $"link target '{expectedTarget}' != '{actualTarget}'");
        }
        else if (e.IsRegular)
        {
            if (e.Size != a.Size) state.Add(relative, $"size {e.Size} != {a.Size}");
            else if (!options.SkipContents.Contains(relative)) CompareContents(state, expected, actual, relative);
        }
        else if (e.RdevMajor != a.RdevMajor || e.RdevMinor != a.RdevMinor)
        {
            state.Add(relative, $"device {e.RdevMajor}:{e.RdevMinor} != {a.RdevMajor}:{a.RdevMinor}");
        }
    }

    private static void CompareXattrs(State state, string expected, string actual, string relative)
    {
        var e = FixtureNative.GetXattrs(expected);
        var a = FixtureNative.GetXattrs(actual);
        var prefixes = state.Options.XattrPrefixes;
        var names = e.Keys.Union(a.Keys).Order(StringComparer.Ordinal)
            .Where(n => prefixes is null || prefixes.Any(p => n.StartsWith(p, StringComparison.Ordinal)));
        foreach (var name in names)
        {
            if (!e.TryGetValue(name, out var ev)) state.Add(relative, $"unexpected xattr {name}");
            else if (!a.TryGetValue(name, out var av))
            {
                if (ev.Length > 0 || !state.Options.IgnoreEmptyXattrValues) state.Add(relative, $"missing xattr {name}");
            }
            else if (!ev.AsSpan().SequenceEqual(av)) state.Add(relative, $"xattr {name} = {Convert.ToHexString(ev)} != {Convert.ToHexString(av)}");
        }
    }

    private static void CompareContents(State state, string expected, string actual, string relative)
    {
        using var e = File.OpenHandle(expected);
        using var a = File.OpenHandle(actual);
        var eb = new byte[1 << 20];
        var ab = new byte[1 << 20];
        long offset = 0;
        while (true)
        {
            var en = ReadFull(e, eb, offset);
            var an = ReadFull(a, ab, offset);
            var common = Math.Min(en, an);
            var mismatch = eb.AsSpan(0, common).CommonPrefixLength(ab.AsSpan(0, common));
            if (mismatch < common || en != an)
            {
                state.Add(relative, $"contents differ at byte {offset + mismatch}");
                return;
            }
            if (en == 0) return;
            offset += en;
        }
    }

    private static int ReadFull(Microsoft.Win32.SafeHandles.SafeFileHandle handle, byte[] buffer, long offset)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var n = RandomAccess.Read(handle, buffer.AsSpan(total), offset + total);
            if (n == 0) break;
            total += n;
        }
        return total;
    }

    /// <summary>Names in a directory, sorted by UTF-8 bytes like the image stores them.</summary>
    public static List<string> ListNames(string directory)
    {
        var names = Directory.EnumerateFileSystemEntries(directory, "*", new EnumerationOptions { AttributesToSkip = 0, IgnoreInaccessible = false })
            .Select(Path.GetFileName).Select(n => n!).ToList();
        names.Sort(CompareUtf8);
        return names;
    }

    public static int CompareUtf8(string? x, string? y) =>
        Encoding.UTF8.GetBytes(x ?? "").AsSpan().SequenceCompareTo(Encoding.UTF8.GetBytes(y ?? ""));
}
