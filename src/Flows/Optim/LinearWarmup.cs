namespace Flows.Optim;

/// <summary>
/// Linear warm-up to a constant rate: lr(t) = baseRate·min(1, t / warmupSteps) for the 1-based step t,
/// so the first step uses baseRate/warmupSteps and step warmupSteps onwards uses baseRate.
/// Glow's official train.py uses lr = hps.lr·min(1, n_processed / (n_train·epochs_warmup)), where
/// n_processed counts the examples seen before the step; in steps that is baseRate·min(1, (t−1)/W), i.e.
/// the same ramp shifted by one step (its first step has rate 0, which we avoid).
/// </summary>
public sealed class LinearWarmup : LearningRateSchedule
{
    /// <summary>A ramp to <paramref name="baseRate"/> over <paramref name="warmupSteps"/> steps (0: constant from the start).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The base rate is negative or not finite, or the warm-up is negative.</exception>
    public LinearWarmup(double baseRate, long warmupSteps)
    {
        if (!double.IsFinite(baseRate) || baseRate < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(baseRate), baseRate, "Base rate must be finite and non-negative.");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(warmupSteps);
        BaseRate = baseRate;
        WarmupSteps = warmupSteps;
    }

    /// <summary>The rate after the warm-up.</summary>
    public double BaseRate { get; }

    /// <summary>Length of the ramp in steps; 0 means no warm-up.</summary>
    public long WarmupSteps { get; }

    /// <inheritdoc/>
    public override double LearningRateAt(long stepNumber)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(stepNumber, 1);
        return stepNumber >= WarmupSteps ? BaseRate : BaseRate * stepNumber / WarmupSteps;
    }
}
