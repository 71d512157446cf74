namespace Flows.Data;

/// <summary>Data a command needs cannot be found or fetched; the message says how to get it.</summary>
public sealed class DataUnavailableException : Exception
{
    public DataUnavailableException()
    {
    }

    public DataUnavailableException(string message)
        : base(message)
    {
    }

    public DataUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
