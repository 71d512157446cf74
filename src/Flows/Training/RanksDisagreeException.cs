namespace Flows.Training;

/// <summary>The ranks of a data-parallel run do not agree (build, setup or state); thrown on every rank at once.</summary>
public sealed class RanksDisagreeException : InvalidOperationException
{
    /// <summary>An exception with the default message.</summary>
    public RanksDisagreeException()
    {
    }

    /// <summary>An exception whose <paramref name="message"/> says what the ranks disagree on.</summary>
    public RanksDisagreeException(string message)
        : base(message)
    {
    }

    /// <summary>An exception whose <paramref name="message"/> says what the ranks disagree on, caused by <paramref name="innerException"/>.</summary>
    public RanksDisagreeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
