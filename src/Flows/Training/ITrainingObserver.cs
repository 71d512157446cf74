namespace Flows.Training;

/// <summary>Receives a training run's progress (the command line shows it as a progress bar or as plain lines).</summary>
public interface ITrainingObserver
{
    /// <summary>Before the first step.</summary>
    public void Started(TrainingPlan plan);

    /// <summary>After every step, with the throughput since the previous call and an estimate of the time left (null: unknown).</summary>
    public void Stepped(StepResult result, double examplesPerSecond, TimeSpan? remaining);

    /// <summary>After each evaluation on the test split, at step <paramref name="stepNumber"/>.</summary>
    public void Evaluated(long stepNumber, double epochs, EvalResult result);

    /// <summary>Anything else worth a line (pictures written, checkpoints, stopping).</summary>
    public void Message(string text);
}
