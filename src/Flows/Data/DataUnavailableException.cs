namespace Flows.Data;

/// <summary>Data a command needs cannot be found or fetched; the message says how to get it.</summary>
public sealed class DataUnavailableException : Exception
{
    /// <summary>An exception with the default message.</summary>
    public DataUnavailableException()
    {
    }

    /// <summary>An exception whose <paramref name="message"/> says what is missing and how to get it.</summary>
    public DataUnavailableException(string message)
        : base(message)
    {
    }

    /// <summary>An exception whose <paramref name="message"/> says what is missing and how to get it, caused by <paramref name="innerException"/>.</summary>
    public DataUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
