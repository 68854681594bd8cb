using CliWrap;
using CliWrap.Buffered;
using Distri.Tasks.Diagnostics;
using Microsoft.Build.Framework;

namespace Distri.Tasks.Bootstrap;

/// <summary>
/// Unpacks Debian binary packages into one tree (the bootstrap seed's <c>out/</c>) the way a
/// merged-/usr Debian system looks: <c>/bin</c>, <c>/sbin</c>, <c>/lib*</c> are moved under
/// <c>usr/</c>, so the tree works when a build sandbox shows it as <c>/usr</c> (the sandbox makes
/// <c>/bin</c> → <c>usr/bin</c> and the like). No <c>out/bin</c> or <c>out/lib</c> is left: the seed
/// puts nothing into the exchange directories. Documentation is left out: it is most of the
/// bytes and no build reads it.
/// Maintainer scripts never run: the seed is only files.
/// </summary>
public sealed class AssembleDebianRoot : Microsoft.Build.Utilities.Task, ICancelableTask
{
    private readonly CancellationTokenSource _cancel = new();

    private static readonly string[] MergedDirectories = ["bin", "sbin", "lib", "lib32", "lib64", "libx32"];
    private static readonly string[] Excluded = ["./usr/share/doc", "./usr/share/man", "./usr/share/info", "./usr/share/locale", "./usr/share/lintian", "./usr/share/bug"];

    [Required] public string DefinitionFile { get; set; } = "";

    /// <summary>The .deb files (FetchDebianPackages' output).</summary>
    [Required] public ITaskItem[] Packages { get; set; } = [];

    /// <summary>The directory to fill (the image's <c>out/</c>); emptied first.</summary>
    [Required] public string Root { get; set; } = "";

    public void Cancel() => _cancel.Cancel();

    public override bool Execute()
    {
        var root = Path.GetFullPath(Root);
        if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
        Directory.CreateDirectory(root);
        foreach (var package in Packages)
        {
            var name = package.GetMetadata("Package");
            var unpack = Cli.Wrap("dpkg-deb").WithArguments(["--fsys-tarfile", package.ItemSpec])
                | Cli.Wrap("tar").WithArguments(["-x", "--no-same-owner", "-C", root, .. Excluded.Select(e => "--exclude=" + e)]);
            BufferedCommandResult result;
            try
            {
                result = unpack.WithValidation(CommandResultValidation.None).ExecuteBufferedAsync(_cancel.Token).GetAwaiter().GetResult();
            }
            catch (OperationCanceledException)
            {
                return false;
            }
            catch (System.ComponentModel.Win32Exception e)
            {
                Log.LogError(Messages.ExtractFailed, DefinitionFile, "DebianPackage", name, name, $"cannot run dpkg-deb | tar: {e.Message}");
                return false;
            }
            if (result.ExitCode != 0)
                Log.LogError(Messages.ExtractFailed, DefinitionFile, "DebianPackage", name, name, $"dpkg-deb | tar exited with {result.ExitCode}: {result.StandardError.Trim()}");
        }
        if (Log.HasLoggedErrors) return false;

        foreach (var top in MergedDirectories)
        {
            var from = Path.Combine(root, top);
            if (!Directory.Exists(from) || new DirectoryInfo(from).LinkTarget is not null) continue;
            MergeInto(from, Path.Combine(root, "usr", top));
            Directory.Delete(from, recursive: true);
        }
        Log.LogMessage(MessageImportance.Normal, "assembled {0} Debian packages into {1}", Packages.Length, root);
        return true;
    }

    /// <summary>Moves every entry of <paramref name="from"/> into <paramref name="to"/>; on a clash /usr's entry wins.</summary>
    private void MergeInto(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var entry in new DirectoryInfo(from).EnumerateFileSystemInfos())
        {
            var target = Path.Combine(to, entry.Name);
            var isDirectory = entry is DirectoryInfo && entry.LinkTarget is null;
            if (isDirectory && Directory.Exists(target) && new DirectoryInfo(target).LinkTarget is null)
                MergeInto(entry.FullName, target);
            else if (File.Exists(target) || Directory.Exists(target) || new FileInfo(target).LinkTarget is not null)
                Log.LogMessage(MessageImportance.Low, "usr merge: {0} already in usr, keeping that one", entry.FullName);
            else if (isDirectory)
                Directory.Move(entry.FullName, target);
            else
                File.Move(entry.FullName, target);
        }
    }
}
