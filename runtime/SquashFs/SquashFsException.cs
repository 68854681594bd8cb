namespace Distri.SquashFs;

/// <summary>
/// The one exception type for a bad image or an impossible request: truncated or corrupt data,
/// loops, absurd sizes, an unsupported compressor, a name the format cannot hold.
/// </summary>
public class SquashFsException : Exception
{
    public SquashFsException(string message) : base(message) { }
    public SquashFsException(string message, Exception inner) : base(message, inner) { }
}
