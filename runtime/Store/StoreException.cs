namespace Distri.Store;

/// <summary>An expected failure (unknown package, bad download, unreachable repository): the CLI prints the message, no stack trace.</summary>
public class StoreException : Exception
{
    public StoreException(string message) : base(message) { }

    public StoreException(string message, Exception inner) : base(message, inner) { }
}
