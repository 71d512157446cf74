namespace Flows.Optim;

/// <summary>A learning rate as a function of the 1-based index of the step about to be taken.</summary>
public abstract class LearningRateSchedule
{
    /// <summary>The learning rate for step <paramref name="stepNumber"/> (1 = the first step).</summary>
    public abstract double LearningRateAt(long stepNumber);

    /// <summary>Sets <paramref name="optimizer"/>'s learning rate for its next step (StepCount + 1); call before <c>Step()</c>.</summary>
    public void Apply(Optimizer optimizer)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        optimizer.LearningRate = LearningRateAt(optimizer.StepCount + 1);
    }
}
