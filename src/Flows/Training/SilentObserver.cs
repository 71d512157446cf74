namespace Flows.Training;

/// <summary>Hears a run's progress and says nothing (the ranks of a data-parallel run other than rank 0).</summary>
internal sealed class SilentObserver : ITrainingObserver
{
    public static SilentObserver Instance { get; } = new();

    public void Started(TrainingPlan plan)
    {
    }

    public void Stepped(StepResult result, double examplesPerSecond, TimeSpan? remaining)
    {
    }

    public void Evaluated(long stepNumber, double epochs, EvalResult result)
    {
    }

    public void Message(string text)
    {
    }
}
