namespace Flows.Training;

/// <summary>What a run is about to do.</summary>
/// <param name="StartStep">Steps already done (non-zero when resuming).</param>
/// <param name="TotalSteps">The step to stop at, or null when only a time limit applies.</param>
/// <param name="BatchesPerEpoch">Steps per epoch.</param>
/// <param name="ParameterCount">Trainable scalars of the model.</param>
/// <param name="Metric">"bpd" or "nll".</param>
/// <param name="Minutes">The time limit in minutes, or null.</param>
public sealed record TrainingPlan(long StartStep, long? TotalSteps, int BatchesPerEpoch, long ParameterCount, string Metric, double? Minutes);
