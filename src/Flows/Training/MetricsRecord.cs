namespace Flows.Training;

/// <summary>
/// One line of metrics.jsonl: a training step ("train": loss, learning rate, throughput) or an
/// evaluation ("test": the test metric at that step). Absent fields are omitted from the line.
/// </summary>
public sealed record MetricsRecord
{
    /// <summary>"train" or "test".</summary>
    public string Kind { get; init; } = "train";

    /// <summary>The steps completed when the line was written (train lines: the 1-based step just taken).</summary>
    public long Step { get; init; }

    /// <summary>Epochs completed when the line was written (fractional for train lines).</summary>
    public double Epoch { get; init; }

    /// <summary>"bpd" or "nll".</summary>
    public string Metric { get; init; } = "bpd";

    /// <summary>Train: the batch loss. Test: the mean over the test examples.</summary>
    public double Value { get; init; }

    /// <summary>Train lines: the learning rate the step used.</summary>
    public double? LearningRate { get; init; }

    /// <summary>Examples per second over the steps since the previous train line.</summary>
    public double? ExamplesPerSecond { get; init; }

    /// <summary>Train lines: the global gradient norm before clipping (absent when no backward ran).</summary>
    public double? GradientNorm { get; init; }

    /// <summary>Memory-efficient back-propagation's reconstruction error of the step (absent otherwise).</summary>
    public double? ReconstructionError { get; init; }

    /// <summary>Training seconds so far, over resumes.</summary>
    public double ElapsedSeconds { get; init; }

    /// <summary>Test lines: how many examples were evaluated.</summary>
    public int? Count { get; init; }
}
