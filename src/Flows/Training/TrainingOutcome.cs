namespace Flows.Training;

/// <summary>How a run ended: its final step, final test evaluation, and whether it was stopped early.</summary>
public sealed record TrainingOutcome(long Step, EvalResult Test, bool Cancelled, string CheckpointFolder);
