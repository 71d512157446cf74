namespace Flows.Training;

/// <summary>The ranks of a data-parallel run do not agree (build, setup or state); thrown on every rank at once.</summary>
public sealed class RanksDisagreeException : InvalidOperationException
{
    public RanksDisagreeException()
    {
    }

    public RanksDisagreeException(string message)
        : base(message)
    {
    }

    public RanksDisagreeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
