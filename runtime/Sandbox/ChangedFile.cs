namespace Distri.Sandbox;

/// <summary>
/// The sandbox's generated files (spec, launcher, argument list, /etc) are written only when their
/// content changes, so their times can be incremental-build inputs, and through a rename, so a
/// step starting meanwhile never reads half a file.
/// </summary>
public static class ChangedFile
{
    public static void Write(string path, string text)
    {
        if (File.Exists(path) && File.ReadAllText(path) == text) return;
        var temp = path + $".{System.Environment.ProcessId}.tmp";
        File.WriteAllText(temp, text);
        File.Move(temp, path, overwrite: true);
    }
}
