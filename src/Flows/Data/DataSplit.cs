
namespace Flows.Data;

/// <summary>One split (train or test) of a dataset, served as preprocessed batches.</summary>
public abstract class DataSplit
{
    /// <summary>Number of examples.</summary>
    public abstract int Count { get; }

    /// <summary>Shape of one example after preprocessing, without the batch axis.</summary>
    public abstract int[] SampleShape { get; }

    /// <summary>One label per example, or null.</summary>
    public abstract byte[]? Labels { get; }

    /// <summary>
    /// The examples at <paramref name="indices"/> as a tensor [n, ..SampleShape], preprocessed with fresh
    /// noise from <paramref name="rng"/> (null: no noise, the deterministic bin centre).
    /// </summary>
    public abstract Tensor Batch(ReadOnlySpan<int> indices, Rng? rng);

    /// <summary>Dimensions of one example.</summary>
    public int Dimensions => Tensor.CheckedLength(SampleShape);
}
