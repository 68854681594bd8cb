using Distri.Linux;
using Distri.Packages;
using Distri.SquashFs;
using Distri.Tasks.Diagnostics;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace Distri.Tasks.Images;

/// <summary>
/// Packs the installed tree (the image root, holding <c>out/…</c>) into the package's images with
/// our writer: the main image and one per split part, each holding the entries
/// <see cref="SplitLayout"/> gives it, and the debug image when the strip step left debug files.
/// Reproducibly: every mtime and the superblock time are <see cref="Mtime"/>, and every file
/// belongs to root, whichever user the build ran as. The trees are the build's: each root must be
/// a real directory reached through real directories, and nothing below it is followed.
/// </summary>
public sealed class PackImage : Microsoft.Build.Utilities.Task
{
    [Required] public string DefinitionFile { get; set; } = "";
    [Required] public string ImageRoot { get; set; } = "";
    [Required] public string FullName { get; set; } = "";

    /// <summary>Where the images are written, as <c>&lt;full&gt;.squashfs</c>.</summary>
    [Required] public string ImageDirectory { get; set; } = "";

    /// <summary>Split parts: full names with metadata <c>Paths</c> (patterns, ';'-separated), in definition order.</summary>
    public ITaskItem[] Splits { get; set; } = [];

    /// <summary>The strip step's tree of debug files (holding <c>out/lib/debug/.build-id/…</c>) and its full name; packed when it holds a file.</summary>
    public string? DebugImageRoot { get; set; }
    public string? DebugFullName { get; set; }

    /// <summary>The directory the image roots must be reached from through real directories (the DESTDIR root).</summary>
    public string? TrustedParent { get; set; }
    public int Mtime { get; set; }

    /// <summary>Full names with metadata <c>ImagePath</c>, <c>Kind</c> (main, split or debug) and, for split parts, <c>Joins</c>.</summary>
    [Output] public ITaskItem[] Images { get; set; } = [];

    public override bool Execute()
    {
        var layout = SplitLayout.Parse(FullName, Splits.Select(s => (s.ItemSpec, s.GetMetadata("Paths"))));
        var images = new List<ITaskItem>();
        if (!Confined(ImageRoot)) return false;
        foreach (var part in layout.Splits.Prepend(layout.Main))
        {
            var kind = part == layout.Main ? "main" : "split";
            if (kind == "split" && layout.CountFiles(ImageRoot, part) == 0)
                Log.LogWarning(Messages.EmptySplit, DefinitionFile, part, Splits.First(s => s.ItemSpec == part.ToString()).GetMetadata("Paths"));
            var image = Pack(ImageRoot, part, (relative, isDirectory) => layout.Includes(part, relative, isDirectory));
            if (image is null) return false;
            image.SetMetadata("Kind", kind);
            if (kind == "split") image.SetMetadata("Joins", string.Join(';', layout.Joins(ImageRoot, part)));
            images.Add(image);
        }
        if (!string.IsNullOrEmpty(DebugImageRoot) && Directory.Exists(DebugImageRoot) && !string.IsNullOrEmpty(DebugFullName))
        {
            if (!Confined(DebugImageRoot)) return false;
            if (SplitLayout.Files(DebugImageRoot).Any())
            {
                var image = Pack(DebugImageRoot, PackageFullName.Parse(DebugFullName), null);
                if (image is null) return false;
                image.SetMetadata("Kind", "debug");
                images.Add(image);
            }
        }
        Images = [.. images];
        return !Log.HasLoggedErrors;
    }

    private bool Confined(string root)
    {
        try
        {
            ConfinedDirectory.Open(root, TrustedParent).Dispose();
            return true;
        }
        catch (IOException e)
        {
            Log.LogError(Messages.UnsafeInstallTree, DefinitionFile, e.Message);
            return false;
        }
    }

    private TaskItem? Pack(string root, PackageFullName full, Func<string, bool, bool>? include)
    {
        var path = Path.Combine(ImageDirectory, StoreLayout.ImageFileName(full));
        try
        {
            Directory.CreateDirectory(ImageDirectory);
            var time = checked((uint)Mtime);
            SquashFsWriter.Write(root, path, new SquashFsWriterOptions
            {
                ImageTime = time, Mtime = time, Uid = 0, Gid = 0, FollowRootSymlink = false, Include = include,
            });
            Log.LogMessage(MessageImportance.Normal, "wrote {0} ({1} bytes)", path, new FileInfo(path).Length);
            var item = new TaskItem(full.ToString());
            item.SetMetadata("ImagePath", path);
            return item;
        }
        catch (Exception e) when (e is SquashFsException or IOException or UnauthorizedAccessException or OverflowException)
        {
            Log.LogError(Messages.PackFailed, DefinitionFile, path, e.Message);
            return null;
        }
    }
}
