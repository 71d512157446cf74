
namespace Flows.Training;

/// <summary>
/// Which examples make up each training step: epoch e visits a permutation of the training set that
/// depends only on (seed, e), in whole batches (a last partial batch is dropped). Step s (0-based) is
/// batch s mod B of epoch s div B, so a resumed run only needs the step number to continue exactly.
/// </summary>
public sealed class BatchOrder
{
    private int _cachedEpoch = -1;
    private int[] _permutation = [];

    /// <summary>The order of batches of <paramref name="batchSize"/> over <paramref name="count"/> training examples, shuffled from <paramref name="seed"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="batchSize"/> is less than 1.</exception>
    /// <exception cref="ArgumentException">Fewer examples than one batch.</exception>
    public BatchOrder(int count, int batchSize, ulong seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        if (count < batchSize)
        {
            throw new ArgumentException($"The training set has {count} examples, fewer than one batch of {batchSize}.", nameof(count));
        }

        Count = count;
        BatchSize = batchSize;
        Seed = seed;
    }

    /// <summary>Number of training examples.</summary>
    public int Count { get; }

    /// <summary>Examples per step.</summary>
    public int BatchSize { get; }

    /// <summary>The seed the epochs' permutations derive from.</summary>
    public ulong Seed { get; }

    /// <summary>Steps per epoch, B = ⌊Count / BatchSize⌋.</summary>
    public int BatchesPerEpoch => Count / BatchSize;

    /// <summary>The 0-based epoch of the 0-based step <paramref name="step"/>.</summary>
    public int EpochOf(long step) => (int)(step / BatchesPerEpoch);

    /// <summary>The example indices of step <paramref name="step"/>.</summary>
    public ReadOnlySpan<int> Indices(long step)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        int epoch = EpochOf(step);
        if (epoch != _cachedEpoch)
        {
            _permutation = new Rng(Seed ^ (0x9E3779B97F4A7C15UL * (ulong)(epoch + 1))).Permutation(Count);
            _cachedEpoch = epoch;
        }

        int batch = (int)(step % BatchesPerEpoch);
        return _permutation.AsSpan(batch * BatchSize, BatchSize);
    }
}
