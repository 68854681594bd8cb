using System.Buffers.Binary;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Distri.Tasks.Elf;

/// <summary>
/// The dynamic-linking facts of one ELF64 little-endian file (x86-64, aarch64): the libraries it
/// needs, its run-time search paths, its soname and interpreter. Read from the program headers
/// only (PT_DYNAMIC, PT_INTERP, the PT_LOAD segments that map DT_STRTAB), as the dynamic loader
/// does, so stripped files and files without section headers read the same.
/// </summary>
public sealed class ElfFile
{
    // Hostile input can claim anything; nothing real comes near these.
    private const int MaxProgramHeaders = 4096;
    private const int MaxDynamicEntries = 65536;
    private const int MaxStringTableBytes = 16 << 20;

    private const uint PtLoad = 1, PtDynamic = 2, PtInterp = 3;
    private const long DtNull = 0, DtNeeded = 1, DtStrtab = 5, DtStrsz = 10, DtSoname = 14, DtRpath = 15, DtRunpath = 29;

    private ElfFile() { }

    /// <summary><c>DT_NEEDED</c> in file order, e.g. <c>libncursesw.so.6</c>, <c>libc.so.6</c>.</summary>
    public IReadOnlyList<string> Needed { get; private init; } = [];

    /// <summary><c>DT_RUNPATH</c> entries (split at ':'), unexpanded (<c>$ORIGIN</c> stays).</summary>
    public IReadOnlyList<string> RunPath { get; private init; } = [];

    /// <summary><c>DT_RPATH</c> entries (the older, non-overridable form).</summary>
    public IReadOnlyList<string> RPath { get; private init; } = [];

    public string? SoName { get; private init; }

    /// <summary><c>PT_INTERP</c>, e.g. <c>/lib64/ld-linux-x86-64.so.2</c>; null for static files and most libraries.</summary>
    public string? Interpreter { get; private init; }

    /// <summary>True when the file has a PT_DYNAMIC segment (a dynamically linked program or a shared library).</summary>
    public bool IsDynamic { get; private init; }

    /// <summary>
    /// Reads <paramref name="path"/>; false (no exception) for anything that is not a well-formed
    /// ELF64 LE file: other files, truncated or corrupt headers, tables pointing outside the file.
    /// I/O errors opening the file (permissions) are not swallowed.
    /// </summary>
    public static bool TryRead(string path, out ElfFile elf)
    {
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        return TryRead(handle, out elf);
    }

    public static bool TryRead(SafeFileHandle file, out ElfFile elf)
    {
        elf = null!;
        var length = RandomAccess.GetLength(file);
        Span<byte> header = stackalloc byte[64];
        if (length < header.Length || RandomAccess.Read(file, header, 0) != header.Length)
            return false;
        // "\x7fELF", ELFCLASS64, ELFDATA2LSB, EV_CURRENT.
        if (header[0] != 0x7f || header[1] != (byte)'E' || header[2] != (byte)'L' || header[3] != (byte)'F'
            || header[4] != 2 || header[5] != 1 || header[6] != 1)
            return false;

        var phoff = BinaryPrimitives.ReadUInt64LittleEndian(header[0x20..]);
        var phentsize = BinaryPrimitives.ReadUInt16LittleEndian(header[0x36..]);
        var phnum = BinaryPrimitives.ReadUInt16LittleEndian(header[0x38..]);
        if (phentsize < 56 || phnum > MaxProgramHeaders || !Fits(phoff, (ulong)phentsize * phnum, length))
            return false;

        var table = new byte[phentsize * phnum];
        if (RandomAccess.Read(file, table, (long)phoff) != table.Length)
            return false;

        var loads = new List<Segment>();
        Segment? dynamic = null, interp = null;
        for (var i = 0; i < phnum; i++)
        {
            var ph = table.AsSpan(i * phentsize, 56);
            var segment = new Segment(
                Offset: BinaryPrimitives.ReadUInt64LittleEndian(ph[8..]),
                VirtualAddress: BinaryPrimitives.ReadUInt64LittleEndian(ph[16..]),
                FileSize: BinaryPrimitives.ReadUInt64LittleEndian(ph[32..]));
            switch (BinaryPrimitives.ReadUInt32LittleEndian(ph))
            {
                case PtLoad: loads.Add(segment); break;
                case PtDynamic: dynamic ??= segment; break;
                case PtInterp: interp ??= segment; break;
            }
        }

        string? interpreter = null;
        if (interp is { } ip)
        {
            if (!Fits(ip.Offset, ip.FileSize, length) || ip.FileSize > 4096)
                return false;
            var bytes = new byte[ip.FileSize];
            if (RandomAccess.Read(file, bytes, (long)ip.Offset) != bytes.Length)
                return false;
            interpreter = CString(bytes, 0);
        }

        if (dynamic is not { } dyn)
        {
            elf = new ElfFile { Interpreter = interpreter };
            return true;
        }
        if (!Fits(dyn.Offset, dyn.FileSize, length))
            return false;
        var count = (int)Math.Min(dyn.FileSize / 16, MaxDynamicEntries);
        var entries = new byte[count * 16];
        if (RandomAccess.Read(file, entries, (long)dyn.Offset) != entries.Length)
            return false;

        ulong? strtab = null;
        ulong strsz = 0;
        var needed = new List<ulong>();
        ulong? soname = null, rpath = null, runpath = null;
        for (var i = 0; i < count; i++)
        {
            var tag = BinaryPrimitives.ReadInt64LittleEndian(entries.AsSpan(i * 16));
            var value = BinaryPrimitives.ReadUInt64LittleEndian(entries.AsSpan(i * 16 + 8));
            if (tag == DtNull) break;
            switch (tag)
            {
                case DtNeeded: needed.Add(value); break;
                case DtStrtab: strtab = value; break;
                case DtStrsz: strsz = value; break;
                case DtSoname: soname = value; break;
                case DtRpath: rpath = value; break;
                case DtRunpath: runpath = value; break;
            }
        }

        var hasStrings = needed.Count > 0 || soname is not null || rpath is not null || runpath is not null;
        byte[] strings = [];
        if (hasStrings)
        {
            if (strtab is not { } address || strsz == 0 || strsz > MaxStringTableBytes)
                return false;
            // DT_STRTAB is a virtual address: find the load segment that maps it.
            var load = loads.FirstOrDefault(s => address >= s.VirtualAddress && address - s.VirtualAddress < s.FileSize);
            if (load.FileSize == 0)
                return false;
            var offset = load.Offset + (address - load.VirtualAddress);
            var size = Math.Min(strsz, load.FileSize - (address - load.VirtualAddress));
            if (!Fits(offset, size, length))
                return false;
            strings = new byte[size];
            if (RandomAccess.Read(file, strings, (long)offset) != strings.Length)
                return false;
        }

        string? Str(ulong? index) => index is { } i && i < (ulong)strings.Length ? CString(strings, (int)i) : null;
        var neededNames = new List<string>(needed.Count);
        foreach (var index in needed)
        {
            if (Str(index) is not { Length: > 0 } name)
                return false;
            neededNames.Add(name);
        }
        elf = new ElfFile
        {
            IsDynamic = true,
            Interpreter = interpreter,
            Needed = neededNames,
            SoName = Str(soname),
            RPath = SplitPath(Str(rpath)),
            RunPath = SplitPath(Str(runpath)),
        };
        return true;
    }

    private readonly record struct Segment(ulong Offset, ulong VirtualAddress, ulong FileSize);

    private static bool Fits(ulong offset, ulong size, long length) =>
        offset <= (ulong)length && size <= (ulong)length - offset;

    private static string CString(byte[] bytes, int start)
    {
        var end = Array.IndexOf(bytes, (byte)0, start);
        return Encoding.UTF8.GetString(bytes, start, (end < 0 ? bytes.Length : end) - start);
    }

    private static IReadOnlyList<string> SplitPath(string? value) =>
        string.IsNullOrEmpty(value) ? [] : value.Split(':', StringSplitOptions.RemoveEmptyEntries);
}
