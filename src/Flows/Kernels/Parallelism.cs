namespace Flows.Kernels;

/// <summary>
/// The thread-count setting every kernel honours. Kernels split their work into a fixed number of
/// chunks that depends only on the problem size, never on <see cref="Threads"/>, and reduce partial
/// results in chunk order, so results are bitwise identical for any thread count.
/// </summary>
public static class Parallelism
{
    private static int _threads = Math.Max(1, Environment.ProcessorCount);

    /// <summary>How many threads kernels may use (at least 1). Defaults to the processor count.</summary>
    public static int Threads
    {
        get => _threads;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1, nameof(Threads));
            _threads = value;
        }
    }

    /// <summary>Runs <paramref name="body"/> for every chunk index in [0, count), on up to <see cref="Threads"/> threads.</summary>
    internal static void For(int count, Action<int> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (count <= 0)
        {
            return;
        }

        if (_threads == 1 || count == 1)
        {
            for (int i = 0; i < count; i++)
            {
                body(i);
            }

            return;
        }

        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = _threads }, body);
    }

    /// <summary>
    /// Splits [0, length) into a fixed number of contiguous ranges that depends only on
    /// <paramref name="length"/> and <paramref name="grain"/> (never on the thread count).
    /// </summary>
    internal static int ChunkCount(long length, long grain)
    {
        if (length <= 0)
        {
            return 0;
        }

        long chunks = (length + grain - 1) / grain;
        return (int)Math.Min(chunks, 64);
    }

    /// <summary>The half-open range of chunk <paramref name="index"/> out of <paramref name="chunks"/> over [0, length).</summary>
    internal static (int Start, int End) ChunkRange(int index, int chunks, int length)
    {
        long start = (long)length * index / chunks;
        long end = (long)length * (index + 1) / chunks;
        return ((int)start, (int)end);
    }
}
