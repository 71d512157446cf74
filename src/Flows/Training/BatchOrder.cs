using Flows.Kernels;

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

    public int Count { get; }

    public int BatchSize { get; }

    public ulong Seed { get; }

    /// <summary>Steps per epoch, B = ⌊Count / BatchSize⌋.</summary>
    public int BatchesPerEpoch => Count / BatchSize;

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
