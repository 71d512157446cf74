namespace Flows.Training;

/// <summary>
/// The part of a run's state that is neither parameters nor optimizer state (state.json): the step,
/// the dequantization noise generator, the training time so far and the last evaluated epoch.
/// </summary>
public sealed record TrainingState
{
    /// <summary>Completed training steps.</summary>
    public long Step { get; init; }

    /// <summary>The four words of the noise generator (<see cref="Kernels.Rng.State"/>).</summary>
    public ulong[] NoiseState { get; init; } = [];

    /// <summary>Seconds spent training so far, over resumes.</summary>
    public double ElapsedSeconds { get; init; }

    /// <summary>The last epoch whose end was evaluated and pictured (0 = none).</summary>
    public int EvaluatedEpochs { get; init; }
}
