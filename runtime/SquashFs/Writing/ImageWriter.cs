using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Distri.Linux;
using Distri.SquashFs.Format;

namespace Distri.SquashFs.Writing;

/// <summary>
/// Writes one image: superblock placeholder, file data, then the inode, directory, id and xattr
/// tables, the real superblock, and padding to 4 KiB.
/// </summary>
/// <remarks>
/// Data and metadata are stored <em>uncompressed and without fragments</em>: each file's data is one
/// contiguous byte range of the image, so the FUSE daemon serves a read with a single pread, and
/// compression is left to the transport (zstd/gzip over HTTP), which does it better on the whole image.
/// The superblock still names gzip because the format requires some compressor id; nothing uses it.
/// </remarks>
internal sealed class ImageWriter
{
    private const SquashFsFlags Flags = SquashFsFlags.UncompressedInodes | SquashFsFlags.UncompressedData
        | SquashFsFlags.UncompressedFragments | SquashFsFlags.NoFragments | SquashFsFlags.UncompressedXattrs
        | SquashFsFlags.UncompressedIds;
    private const uint DataUncompressed = SquashFsFormat.DataUncompressedBit;
    private const int ChunkSize = 1 << 20;
    private const int ImagePadding = 4096;

    private readonly SquashFsWriterOptions _options;
    private readonly ImageOutput _output;
    private readonly int _blockSize;
    private readonly MetadataWriter _inodes = new();
    private readonly MetadataWriter _directories = new();
    private uint _nextInodeNumber = 1;

    public ImageWriter(SquashFsWriterOptions options, Stream output)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("the SquashFS writer needs a little-endian machine");
        if (options.BlockSize is < SquashFsFormat.MinBlockSize or > SquashFsFormat.MaxBlockSize || !int.IsPow2(options.BlockSize))
            throw new ArgumentOutOfRangeException(nameof(options), options.BlockSize, "the block size must be a power of two between 4 KiB and 1 MiB");
        _options = options;
        _blockSize = options.BlockSize;
        _output = new ImageOutput(output);
    }

    public void Write(string sourceDirectory, (uint, uint, ulong)? exclude)
    {
        try
        {
            WriteImage(sourceDirectory, exclude);
        }
        catch (OverflowException e)
        {
            // A table offset or count outgrew its on-disk field: far beyond any package, but not a crash.
            throw new SquashFsException($"'{sourceDirectory}' is too large for a SquashFS image: {e.Message}", e);
        }
    }

    private void WriteImage(string sourceDirectory, (uint, uint, ulong)? exclude)
    {
        var ids = new IdTable();
        var xattrs = new XattrTable();
        var scanner = new SourceScanner(_options, ids, xattrs, exclude);
        var root = scanner.ScanRoot(sourceDirectory);
        var imageTime = _options.ImageTime ?? SourceDateEpoch() ?? 0;

        _output.Write(new byte[SquashFsFormat.SuperblockSize]);
        WriteData(root, sourceDirectory);

        Number(root);
        WriteDirectory(root, parentNumber: scanner.InodeCount + 1);

        var inodeTableStart = (ulong)_output.Position;
        _output.Write(_inodes.Finish().Span);
        var directoryTableStart = (ulong)_output.Position;
        _output.Write(_directories.Finish().Span);
        // No fragments: the (empty) fragment table starts where the next table does, as mksquashfs writes it.
        var fragmentTableStart = (ulong)_output.Position;
        var idTableStart = ids.WriteTo(_output);
        var xattrIdTableStart = xattrs.WriteTo(_output);
        var bytesUsed = (ulong)_output.Position;

        // Loop devices read whole 4 KiB sectors: pad like mksquashfs does.
        var padding = (int)((ImagePadding - bytesUsed % ImagePadding) % ImagePadding);
        _output.Write(new byte[padding]);

        Span<byte> sb = stackalloc byte[SquashFsFormat.SuperblockSize];
        BinaryPrimitives.WriteUInt32LittleEndian(sb, SquashFsFormat.Magic);
        BinaryPrimitives.WriteUInt32LittleEndian(sb[4..], scanner.InodeCount);
        BinaryPrimitives.WriteUInt32LittleEndian(sb[8..], imageTime);
        BinaryPrimitives.WriteUInt32LittleEndian(sb[12..], (uint)_blockSize);
        BinaryPrimitives.WriteUInt32LittleEndian(sb[16..], 0); // fragments
        BinaryPrimitives.WriteUInt16LittleEndian(sb[20..], (ushort)SquashFsCompression.Gzip);
        BinaryPrimitives.WriteUInt16LittleEndian(sb[22..], (ushort)int.Log2(_blockSize));
        BinaryPrimitives.WriteUInt16LittleEndian(sb[24..], (ushort)Flags);
        BinaryPrimitives.WriteUInt16LittleEndian(sb[26..], (ushort)ids.Count);
        BinaryPrimitives.WriteUInt16LittleEndian(sb[28..], SquashFsFormat.MajorVersion);
        BinaryPrimitives.WriteUInt16LittleEndian(sb[30..], SquashFsFormat.MinorVersion);
        BinaryPrimitives.WriteUInt64LittleEndian(sb[32..], (ulong)root.Inode.Reference);
        BinaryPrimitives.WriteUInt64LittleEndian(sb[40..], bytesUsed);
        BinaryPrimitives.WriteUInt64LittleEndian(sb[48..], idTableStart);
        BinaryPrimitives.WriteUInt64LittleEndian(sb[56..], xattrIdTableStart);
        BinaryPrimitives.WriteUInt64LittleEndian(sb[64..], inodeTableStart);
        BinaryPrimitives.WriteUInt64LittleEndian(sb[72..], directoryTableStart);
        BinaryPrimitives.WriteUInt64LittleEndian(sb[80..], fragmentTableStart);
        BinaryPrimitives.WriteUInt64LittleEndian(sb[88..], SquashFsFormat.InvalidTable); // no export table
        _output.WriteAt(0, sb);
    }

    private static uint? SourceDateEpoch()
    {
        var value = Environment.GetEnvironmentVariable("SOURCE_DATE_EPOCH");
        if (string.IsNullOrEmpty(value)) return null;
        return uint.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seconds)
            ? seconds
            : throw new SquashFsException($"SOURCE_DATE_EPOCH='{value}' is not a number of seconds between 0 and {uint.MaxValue}");
    }

    // ---- File data ----

    private void WriteData(SourceNode directory, string path)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
        try
        {
            WriteData(directory, path, buffer);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void WriteData(SourceNode directory, string path, byte[] buffer)
    {
        foreach (var child in directory.Children!)
        {
            var childPath = Path.Combine(path, System.Text.Encoding.UTF8.GetString(child.Name));
            if (child.Children is not null) WriteData(child, childPath, buffer);
            else if (child.Inode.Type == SquashFsEntryType.File && !child.Inode.DataWritten) WriteFile(child.Inode, childPath, buffer);
        }
    }

    /// <summary>
    /// Streams one file in 1 MiB chunks. An all-zero block becomes a hole (size 0 in the block list) and
    /// takes no space; blocks lying in a hole of the source are not even read.
    /// </summary>
    private void WriteFile(ImageInode inode, string path, byte[] buffer)
    {
        inode.DataWritten = true;
        inode.DataStart = (ulong)_output.Position;
        var size = (long)inode.Size;
        if (size == 0) return;

        using var handle = LibC.OpenNoFollow(path);
        var st = LibC.FStat(handle, path);
        if (st.FileType != LibC.S_IFREG || (st.DevMajor, st.DevMinor, st.Ino) != inode.SourceId || (long)st.Size < size)
            throw new SquashFsException($"'{path}' changed while the image was being written");

        var blocks = new uint[(size + _blockSize - 1) / _blockSize];
        var mayHaveHoles = (long)st.Blocks * 512 < size;
        var chunkSize = buffer.Length / _blockSize * _blockSize;
        long position = 0, nextData = -1, sparse = 0;
        var block = 0;
        while (position < size)
        {
            if (mayHaveHoles)
            {
                if (nextData < position) nextData = LibC.SeekDataOrEnd(handle, position) is var d && d < 0 ? long.MaxValue : d;
                while (position < size && nextData >= Math.Min(position + _blockSize, size))
                {
                    sparse += Math.Min(_blockSize, size - position);
                    blocks[block++] = 0;
                    position += _blockSize;
                }
                if (position >= size) break;
            }

            var length = (int)Math.Min(chunkSize, size - position);
            ReadExactly(handle, buffer.AsSpan(0, length), position, path);
            int runStart = 0, runEnd = 0;
            for (var offset = 0; offset < length; offset += _blockSize)
            {
                var blockLength = Math.Min(_blockSize, length - offset);
                var data = buffer.AsSpan(offset, blockLength);
                if (data.IndexOfAnyExcept((byte)0) < 0)
                {
                    _output.Write(buffer.AsSpan(runStart, runEnd - runStart));
                    runStart = runEnd = offset + blockLength;
                    sparse += blockLength;
                    blocks[block++] = 0;
                }
                else
                {
                    runEnd = offset + blockLength;
                    blocks[block++] = (uint)blockLength | DataUncompressed;
                }
            }
            _output.Write(buffer.AsSpan(runStart, runEnd - runStart));
            position += length;
        }
        inode.BlockSizes = blocks;
        // The kernel computes st_blocks as (size - sparse - 1) / 512 + 1, so sparse must stay below size.
        inode.SparseBytes = (ulong)Math.Min(sparse, size - 1);
    }

    private static void ReadExactly(Microsoft.Win32.SafeHandles.SafeFileHandle handle, Span<byte> buffer, long offset, string path)
    {
        while (!buffer.IsEmpty)
        {
            var n = RandomAccess.Read(handle, buffer, offset);
            if (n == 0) throw new SquashFsException($"'{path}' shrank while the image was being written");
            buffer = buffer[n..];
            offset += n;
        }
    }

    // ---- Inodes and directories ----

    /// <summary>Numbers inodes in the order they are written: children before their directory, the root last.</summary>
    private void Number(SourceNode directory)
    {
        foreach (var child in directory.Children!)
        {
            if (child.Children is not null) Number(child);
            else if (child.Inode.Number == 0) child.Inode.Number = _nextInodeNumber++;
        }
        directory.Inode.Number = _nextInodeNumber++;
    }

    private void WriteDirectory(SourceNode directory, uint parentNumber)
    {
        foreach (var child in directory.Children!)
        {
            if (child.Children is not null) WriteDirectory(child, directory.Inode.Number);
            else if (child.Inode.Reference < 0) WriteInode(child.Inode);
        }
        var listing = DirectoryListing.Build(directory.Children!);
        var start = _directories.LogicalLength;
        _directories.Write(listing.Bytes);
        WriteDirectoryInode(directory.Inode, listing, start, parentNumber);
    }

    private static Span<byte> Header(Span<byte> buffer, ImageInode inode, SquashFsInodeType type)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(buffer, (ushort)type);
        BinaryPrimitives.WriteUInt16LittleEndian(buffer[2..], inode.Permissions);
        BinaryPrimitives.WriteUInt16LittleEndian(buffer[4..], inode.UidIndex);
        BinaryPrimitives.WriteUInt16LittleEndian(buffer[6..], inode.GidIndex);
        BinaryPrimitives.WriteUInt32LittleEndian(buffer[8..], inode.Mtime);
        BinaryPrimitives.WriteUInt32LittleEndian(buffer[12..], inode.Number);
        return buffer[16..];
    }

    private void WriteDirectoryInode(ImageInode inode, DirectoryListing listing, long listingStart, uint parentNumber)
    {
        inode.Reference = _inodes.Reference;
        var (block, offset) = MetadataWriter.PositionOf(listingStart);
        // The kernel counts "." and ".." as 3 bytes of directory size.
        var fileSize = (uint)listing.Bytes.Length + 3;
        var nlink = 2u + (uint)inode.SubdirectoryCount;
        Span<byte> buffer = stackalloc byte[40];
        if (listing.Index.Count == 0 && inode.XattrId == XattrTable.None && fileSize <= ushort.MaxValue)
        {
            var body = Header(buffer, inode, SquashFsInodeType.Directory);
            BinaryPrimitives.WriteUInt32LittleEndian(body, block);
            BinaryPrimitives.WriteUInt32LittleEndian(body[4..], nlink);
            BinaryPrimitives.WriteUInt16LittleEndian(body[8..], (ushort)fileSize);
            BinaryPrimitives.WriteUInt16LittleEndian(body[10..], offset);
            BinaryPrimitives.WriteUInt32LittleEndian(body[12..], parentNumber);
            _inodes.Write(buffer[..32]);
            return;
        }

        var ext = Header(buffer, inode, SquashFsInodeType.ExtendedDirectory);
        BinaryPrimitives.WriteUInt32LittleEndian(ext, nlink);
        BinaryPrimitives.WriteUInt32LittleEndian(ext[4..], fileSize);
        BinaryPrimitives.WriteUInt32LittleEndian(ext[8..], block);
        BinaryPrimitives.WriteUInt32LittleEndian(ext[12..], parentNumber);
        BinaryPrimitives.WriteUInt16LittleEndian(ext[16..], checked((ushort)listing.Index.Count));
        BinaryPrimitives.WriteUInt16LittleEndian(ext[18..], offset);
        BinaryPrimitives.WriteUInt32LittleEndian(ext[20..], inode.XattrId);
        _inodes.Write(buffer);

        // The index lets the kernel skip to the metadata block holding a name in a big directory.
        Span<byte> entry = stackalloc byte[12];
        foreach (var (listingOffset, name) in listing.Index)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(entry, (uint)listingOffset);
            BinaryPrimitives.WriteUInt32LittleEndian(entry[4..], MetadataWriter.PositionOf(listingStart + listingOffset).Block);
            BinaryPrimitives.WriteUInt32LittleEndian(entry[8..], (uint)name.Length - 1);
            _inodes.Write(entry);
            _inodes.Write(name);
        }
    }

    private void WriteInode(ImageInode inode)
    {
        inode.Reference = _inodes.Reference;
        var hasXattrs = inode.XattrId != XattrTable.None;
        Span<byte> buffer = stackalloc byte[64];
        switch (inode.Type)
        {
            case SquashFsEntryType.File:
                WriteFileInode(inode, buffer);
                return;
            case SquashFsEntryType.Symlink:
            {
                var body = Header(buffer, inode, hasXattrs ? SquashFsInodeType.ExtendedSymlink : SquashFsInodeType.Symlink);
                BinaryPrimitives.WriteUInt32LittleEndian(body, inode.LinkCount);
                BinaryPrimitives.WriteUInt32LittleEndian(body[4..], (uint)inode.SymlinkTarget!.Length);
                _inodes.Write(buffer[..24]);
                _inodes.Write(inode.SymlinkTarget);
                if (hasXattrs)
                {
                    BinaryPrimitives.WriteUInt32LittleEndian(buffer, inode.XattrId);
                    _inodes.Write(buffer[..4]);
                }
                return;
            }
            case SquashFsEntryType.BlockDevice or SquashFsEntryType.CharDevice:
            {
                var basic = inode.Type == SquashFsEntryType.BlockDevice ? SquashFsInodeType.BlockDevice : SquashFsInodeType.CharDevice;
                var body = Header(buffer, inode, hasXattrs ? basic + 7 : basic);
                BinaryPrimitives.WriteUInt32LittleEndian(body, inode.LinkCount);
                BinaryPrimitives.WriteUInt32LittleEndian(body[4..], inode.Rdev);
                BinaryPrimitives.WriteUInt32LittleEndian(body[8..], inode.XattrId);
                _inodes.Write(buffer[..(hasXattrs ? 28 : 24)]);
                return;
            }
            default:
            {
                var basic = inode.Type == SquashFsEntryType.Fifo ? SquashFsInodeType.Fifo : SquashFsInodeType.Socket;
                var body = Header(buffer, inode, hasXattrs ? basic + 7 : basic);
                BinaryPrimitives.WriteUInt32LittleEndian(body, inode.LinkCount);
                BinaryPrimitives.WriteUInt32LittleEndian(body[4..], inode.XattrId);
                _inodes.Write(buffer[..(hasXattrs ? 24 : 20)]);
                return;
            }
        }
    }

    private void WriteFileInode(ImageInode inode, Span<byte> buffer)
    {
        var basicFits = inode.LinkCount == 1 && inode.XattrId == XattrTable.None && inode.SparseBytes == 0
            && inode.DataStart <= uint.MaxValue && inode.Size <= uint.MaxValue;
        if (basicFits)
        {
            var body = Header(buffer, inode, SquashFsInodeType.File);
            BinaryPrimitives.WriteUInt32LittleEndian(body, (uint)inode.DataStart);
            BinaryPrimitives.WriteUInt32LittleEndian(body[4..], SquashFsFormat.InvalidFragment);
            BinaryPrimitives.WriteUInt32LittleEndian(body[8..], 0);
            BinaryPrimitives.WriteUInt32LittleEndian(body[12..], (uint)inode.Size);
            _inodes.Write(buffer[..32]);
        }
        else
        {
            var body = Header(buffer, inode, SquashFsInodeType.ExtendedFile);
            BinaryPrimitives.WriteUInt64LittleEndian(body, inode.DataStart);
            BinaryPrimitives.WriteUInt64LittleEndian(body[8..], inode.Size);
            BinaryPrimitives.WriteUInt64LittleEndian(body[16..], inode.SparseBytes);
            BinaryPrimitives.WriteUInt32LittleEndian(body[24..], inode.LinkCount);
            BinaryPrimitives.WriteUInt32LittleEndian(body[28..], SquashFsFormat.InvalidFragment);
            BinaryPrimitives.WriteUInt32LittleEndian(body[32..], 0);
            BinaryPrimitives.WriteUInt32LittleEndian(body[36..], inode.XattrId);
            _inodes.Write(buffer[..56]);
        }
        _inodes.Write(MemoryMarshal.AsBytes(inode.BlockSizes.AsSpan()));
        inode.BlockSizes = []; // no longer needed: keep memory proportional to entries
    }
}
