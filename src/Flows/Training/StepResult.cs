namespace Flows.Training;

/// <summary>The outcome of one training step.</summary>
/// <param name="Step">The 1-based number of the step just taken.</param>
/// <param name="Loss">The batch loss before the update (bpd or nats).</param>
/// <param name="LearningRate">The learning rate the step used.</param>
/// <param name="GradientNorm">The global gradient norm before clipping (NaN when the loss was not finite and no backward ran).</param>
/// <param name="Skipped">True when the loss or the gradient was not finite and the parameters were left as they were.</param>
/// <param name="RedoneWithOrdinaryBackprop">True when the memory-efficient gradient was not finite and the step was redone with ordinary backprop.</param>
public readonly record struct StepResult(long Step, double Loss, double LearningRate, double GradientNorm, bool Skipped = false, bool RedoneWithOrdinaryBackprop = false)
{
    /// <summary>True when the loss was far above the recent ones (<see cref="DivergenceGuard"/>) and the step was not applied.</summary>
    public bool Spike { get; init; }

    /// <summary>Set when this step ended a divergence by rolling the run back: the step whose state was restored.</summary>
    public long? RolledBackTo { get; init; }

    /// <summary>The median of the recent losses the guard compares with (NaN without a guard).</summary>
    public double RecentLoss { get; init; }

    /// <summary>
    /// Memory-efficient back-propagation only: the largest gap between a rebuilt activation and the same activation
    /// recomputed from a stored input (<see cref="Bijectors.ReconstructionMonitor"/>); NaN when not measured.
    /// </summary>
    public double ReconstructionError { get; init; } = double.NaN;

    /// <summary>True when the step was redone with ordinary backprop because the reconstruction error was above the trainer's tolerance (the gradient, though finite, was not trusted).</summary>
    public bool RedoneForReconstruction { get; init; }

    /// <summary>On a step redone for its reconstruction error: ‖g_memory-efficient − g_ordinary‖ / ‖g_ordinary‖ (after clipping), how wrong the distrusted gradient was; NaN otherwise.</summary>
    public double GradientDisagreement { get; init; } = double.NaN;
}
