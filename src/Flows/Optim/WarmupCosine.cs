namespace Flows.Optim;

/// <summary>
/// Linear warm-up, then a cosine decay to a floor over a known number of steps (Loshchilov and Hutter 2017,
/// without restarts): lr(t) = base·t/W for t ≤ W, then floor + (base − floor)·(1 + cos(π·p))/2 with
/// p = (t − W)/(T − W) for the 1-based step t and T total steps; after T the floor. Annealing the rate at the
/// end of a fixed budget removes most of the parameter noise a constant rate leaves. A run limited by time
/// sets <see cref="Progress"/> instead, so the decay follows its clock.
/// </summary>
public sealed class WarmupCosine : LearningRateSchedule
{
    /// <summary>A schedule by step count.</summary>
    /// <param name="baseRate">The peak rate, reached at the end of the warm-up.</param>
    /// <param name="warmupSteps">Length W of the linear warm-up in steps (0 for none).</param>
    /// <param name="totalSteps">Total steps T, at which the decay reaches the floor; at least 1.</param>
    /// <param name="floorFraction">The final rate as a fraction of <paramref name="baseRate"/>, in [0, 1].</param>
    /// <exception cref="ArgumentOutOfRangeException">An argument is outside the range given above.</exception>
    public WarmupCosine(double baseRate, long warmupSteps, long totalSteps, double floorFraction = 0)
    {
        if (!double.IsFinite(baseRate) || baseRate < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(baseRate), baseRate, "Base rate must be finite and non-negative.");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(warmupSteps);
        ArgumentOutOfRangeException.ThrowIfLessThan(totalSteps, 1);
        if (!(floorFraction >= 0 && floorFraction <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(floorFraction), floorFraction, "The floor is a fraction of the base rate, in [0, 1].");
        }

        BaseRate = baseRate;
        WarmupSteps = warmupSteps;
        TotalSteps = totalSteps;
        FloorFraction = floorFraction;
    }

    /// <summary>A decay that follows <see cref="Progress"/> (starting at 0) rather than a step count, for a run limited by time.</summary>
    public static WarmupCosine ByProgress(double baseRate, long warmupSteps, double floorFraction = 0)
        => new(baseRate, warmupSteps, totalSteps: 1, floorFraction) { Progress = 0 };

    /// <summary>The peak rate, reached at the end of the warm-up.</summary>
    public double BaseRate { get; }

    /// <summary>Length W of the linear warm-up in steps.</summary>
    public long WarmupSteps { get; }

    /// <summary>Total steps T of the decay (not used while <see cref="Progress"/> is set).</summary>
    public long TotalSteps { get; }

    /// <summary>The rate at the end, as a fraction of <see cref="BaseRate"/>.</summary>
    public double FloorFraction { get; }

    /// <summary>
    /// When set, the fraction of the run done (0 to 1) that the decay follows instead of the step count:
    /// a run limited by time sets it from its clock before every step.
    /// </summary>
    public double? Progress { get; set; }

    /// <inheritdoc/>
    public override double LearningRateAt(long stepNumber)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(stepNumber, 1);
        if (stepNumber < WarmupSteps)
        {
            return BaseRate * stepNumber / WarmupSteps;
        }

        double floor = BaseRate * FloorFraction;
        double p;
        if (Progress is { } done)
        {
            p = Math.Clamp(done, 0, 1);
        }
        else
        {
            long span = TotalSteps - WarmupSteps;
            if (span <= 0 || stepNumber >= TotalSteps)
            {
                return stepNumber >= TotalSteps ? floor : BaseRate;
            }

            p = (double)(stepNumber - WarmupSteps) / span;
        }

        return floor + ((BaseRate - floor) * 0.5 * (1 + Math.Cos(Math.PI * p)));
    }
}
