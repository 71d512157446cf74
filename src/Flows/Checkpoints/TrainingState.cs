namespace Flows.Checkpoints;

/// <summary>
/// The part of a run's state that is neither parameters nor optimizer state (state.json): the step,
/// the dequantization noise generator, the training time so far and the last evaluated epoch.
/// </summary>
public sealed record TrainingState
{
    /// <summary>Completed training steps.</summary>
    public long Step { get; init; }

    /// <summary>The four words of the noise generator (<see cref="Rng.State"/>).</summary>
    public ulong[] NoiseState { get; init; } = [];

    /// <summary>Seconds spent training so far, over resumes.</summary>
    public double ElapsedSeconds { get; init; }

    /// <summary>The last epoch whose end was evaluated and pictured (0 = none).</summary>
    public int EvaluatedEpochs { get; init; }

    /// <summary>The learning-rate factor left by rollbacks (1 = none; absent in older checkpoints).</summary>
    public double LearningRateFactor { get; init; } = 1;

    /// <summary>Rollbacks to a good state so far (<see cref="Flows.Training.DivergenceGuard"/>).</summary>
    public long Rollbacks { get; init; }

    /// <summary>Steps not applied so far: non-finite loss or gradient, or a loss spike.</summary>
    public long SkippedSteps { get; init; }

    /// <summary>Steps whose memory-efficient gradient was not finite and that were redone with ordinary backprop.</summary>
    public long OrdinaryBackpropSteps { get; init; }

    /// <summary>The best test figure of the run's evaluations so far (null: none yet), kept in the run's <c>best</c> folder.</summary>
    public double? BestTest { get; init; }

    /// <summary>The step of <see cref="BestTest"/>.</summary>
    public long BestStep { get; init; }

    /// <summary>The first field that no run could have written, as "field: problem", or null.</summary>
    public string? Problem()
    {
        const long MaxSteps = 1L << 40; // ~10^12 steps: far beyond any run, far below overflow
        if (Step is < 0 or > MaxSteps)
        {
            return $"step: {Step} is not a step count (0 to {MaxSteps})";
        }

        if (NoiseState is not { Length: 4 } || NoiseState.All(w => w == 0))
        {
            return "noiseState: a generator state is four words, not all zero";
        }

        if (!double.IsFinite(ElapsedSeconds) || ElapsedSeconds < 0)
        {
            return $"elapsedSeconds: {ElapsedSeconds} is not a duration";
        }

        if (!double.IsFinite(LearningRateFactor) || LearningRateFactor is <= 0 or > 1)
        {
            return $"learningRateFactor: {LearningRateFactor} is not in (0, 1]";
        }

        if (EvaluatedEpochs < 0 || Rollbacks < 0 || SkippedSteps < 0 || OrdinaryBackpropSteps < 0 || BestStep < 0 || SkippedSteps > Step)
        {
            return "a counter (evaluatedEpochs, rollbacks, skippedSteps, ordinaryBackpropSteps, bestStep) is negative or larger than the steps";
        }

        if (BestTest is { } best && !double.IsFinite(best))
        {
            return $"bestTest: {best} is not finite";
        }

        return null;
    }
}
