namespace Flows.Training;

/// <summary>The loss or the gradients stopped being finite; the step that found it changed nothing.</summary>
public sealed class TrainingDivergedException : Exception
{
    /// <summary>An exception with the default message.</summary>
    public TrainingDivergedException()
    {
    }

    /// <summary>An exception whose <paramref name="message"/> says which steps were not finite and what to try.</summary>
    public TrainingDivergedException(string message)
        : base(message)
    {
    }

    /// <summary>An exception whose <paramref name="message"/> says which steps were not finite, caused by <paramref name="innerException"/>.</summary>
    public TrainingDivergedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
