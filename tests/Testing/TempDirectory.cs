namespace Distri.Testing;

/// <summary>A fresh directory under the system temp dir, removed (with anything mounted below unmounted) on dispose.</summary>
public sealed class TempDirectory : IDisposable
{
    public TempDirectory(string? prefix = null)
    {
        Path = Directory.CreateTempSubdirectory($"distri-{prefix ?? "test"}-").FullName;
    }

    public string Path { get; }

    public string this[string relative] => System.IO.Path.Combine(Path, relative);

    /// <summary>Creates a subdirectory and returns its path.</summary>
    public string CreateDirectory(string relative) => Directory.CreateDirectory(this[relative]).FullName;

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Something is still mounted or busy; leave it rather than fail the test in cleanup.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
