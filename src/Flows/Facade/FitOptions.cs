namespace Flows;

/// <summary>
/// How <see cref="Flow.Fit(ImageData, FitOptions?, IProgress{FitProgress}?, CancellationToken)"/> trains: the
/// library's default recipe (Adam with warm-up and cosine decay, gradient clipping, the divergence guard, as
/// <c>flows train</c>) for a length in steps or epochs.
/// </summary>
public sealed record FitOptions
{
    /// <summary>Length in steps; with neither this nor <see cref="Epochs"/>, one epoch.</summary>
    public long? Steps { get; init; }

    /// <summary>Length in epochs (passes over the data); the run stops at the first of Steps and Epochs.</summary>
    public double? Epochs { get; init; }

    /// <summary>Examples per step (at most the number of examples).</summary>
    public int Batch { get; init; } = 64;

    /// <summary>Peak learning rate, after the warm-up.</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>Seed of the batch order and the dequantization noise.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>
    /// The ranks to spread training over (data parallelism): <c>Communicator.FromEnvironment()</c> in a program
    /// started by <c>mpirun</c>; null, this process alone. Every rank calls Fit with the same data and options, computes
    /// its share of every batch, and ends with the same model; progress is reported on rank 0 only, and rank 0
    /// alone should save.
    /// </summary>
    public Flows.Distributed.Communicator? Communicator { get; init; }
}

/// <summary>One training step as reported to <see cref="IProgress{T}"/>: its loss (bits/dim for images, nats for vectors) and learning rate.</summary>
public readonly record struct FitProgress(long Step, long TotalSteps, double Loss, double LearningRate);

/// <summary>What a fit did: steps taken, the mean loss of its last steps, whether it was cancelled, and the steps the divergence guard did not apply or rolled back.</summary>
public sealed record FitResult(long Steps, double FinalLoss, bool Cancelled, long SkippedSteps, long Rollbacks);
