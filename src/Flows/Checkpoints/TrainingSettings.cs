namespace Flows.Checkpoints;

/// <summary>
/// How a run trains: optimizer, schedule, length, evaluation, pictures and checkpoints. The defaults are the
/// recipe chosen by experiment for every model and data set the tool offers (RESULTS.md, "The default
/// recipe"): Adam at 1e-3 after a 20-step warm-up, cosine decay to 0 over the run, global gradient norm
/// clipped to 50, log-scale parameters at 3× the step size, and the divergence guard.
/// </summary>
public sealed record TrainingSettings
{
    /// <summary>Examples per training step (over all ranks together).</summary>
    public int Batch { get; init; } = 64;

    /// <summary>The optimizer (absent from configurations written before it existed: Adam).</summary>
    public OptimizerKind Optimizer { get; init; } = OptimizerKind.Adam;

    /// <summary>The optimizer's learning rate after warm-up.</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>
    /// Step-size multiplier of the log-scale parameters (ActNorm's and the LU convolution's <c>logs</c>, NICE's
    /// scaling and the vector ActNorm's <c>logScale</c>), as Glow's <c>logscale_factor</c>; 1 = none.
    /// </summary>
    public double LogScaleRate { get; init; } = 3;

    /// <summary>
    /// After warm-up, decay the rate along a cosine to <see cref="DecayFloor"/> of it by the run's step limit
    /// (--steps or --epochs); a run limited by minutes only decays by its clock (elapsed / budget), so its
    /// rates, like its length, depend on the machine's speed.
    /// </summary>
    public bool CosineDecay { get; init; } = true;

    /// <summary>The rate at the end of a cosine decay, as a fraction of <see cref="LearningRate"/>.</summary>
    public double DecayFloor { get; init; }

    /// <summary>Steps of linear learning-rate warm-up.</summary>
    public long Warmup { get; init; } = 20;

    /// <summary>Maximum global gradient norm; 0 = no clipping.</summary>
    public double Clip { get; init; } = 50;

    /// <summary>Watch for divergence and roll back to the last good state with half the learning rate (<see cref="Flows.Training.DivergenceGuard"/>).</summary>
    public bool Guard { get; init; } = true;

    /// <summary>Memory-efficient back-propagation: the reconstruction error above which a step is redone with ordinary backprop (<see cref="Flows.Training.Trainer.ReconstructionTolerance"/>).</summary>
    public double ReconstructionTolerance { get; init; } = 1.0;

    /// <summary>Seed of the batch order and the dequantization noise.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>Stop after this many epochs (null: no limit from epochs).</summary>
    public double? Epochs { get; init; }

    /// <summary>Stop after this many steps in total (null: no limit from steps).</summary>
    public long? Steps { get; init; }

    /// <summary>Stop after this many minutes of training in total, counted over resumes (null: no limit).</summary>
    public double? Minutes { get; init; }

    /// <summary>Write a checkpoint every this many steps (and at every epoch end and at the end).</summary>
    public long CheckpointEvery { get; init; } = 1000;

    /// <summary>Test examples used for the evaluation at each epoch end and at the end (null: all).</summary>
    public int? TestSize { get; init; }

    /// <summary>Use only the first this many training examples (null: all).</summary>
    public int? TrainSize { get; init; }

    /// <summary>Samples in each epoch's picture.</summary>
    public int SampleCount { get; init; } = 64;

    /// <summary>Temperature of each epoch's samples.</summary>
    public float SampleTemperature { get; init; } = 0.7f;

    /// <summary>Write a progress line every this many steps when the output is not a terminal.</summary>
    public int LogEvery { get; init; } = 50;
}
