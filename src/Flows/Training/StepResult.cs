namespace Flows.Training;

/// <summary>The outcome of one training step.</summary>
/// <param name="Step">The 1-based number of the step just taken.</param>
/// <param name="Loss">The batch loss before the update (bpd or nats).</param>
/// <param name="LearningRate">The learning rate the step used.</param>
/// <param name="GradientNorm">The global gradient norm before clipping, or NaN when clipping is off.</param>
public readonly record struct StepResult(long Step, double Loss, double LearningRate, double GradientNorm);
