using Flows.Distributed;

namespace Flows.Tests.Distributed;

/// <summary>
/// The ranks of a job as threads of one process, for tests: each collective deposits every rank's values, meets
/// at a barrier, and reduces them in rank order (so every rank gets the same bits, as MPI promises).
/// </summary>
internal sealed class ThreadCommunicator : Communicator
{
    private readonly Shared _shared;

    private ThreadCommunicator(Shared shared, int rank)
    {
        _shared = shared;
        Rank = rank;
    }

    public override int Rank { get; }

    public override int Size => _shared.Slots.Length;

    public override string Description => "threads";

    /// <summary>One communicator per rank of a job of <paramref name="size"/> threads.</summary>
    public static ThreadCommunicator[] Create(int size)
    {
        var shared = new Shared(size);
        return [.. Enumerable.Range(0, size).Select(r => new ThreadCommunicator(shared, r))];
    }

    /// <summary>Runs <paramref name="body"/> once per rank, each on its own thread; returns the results in rank order.</summary>
    public static T[] Run<T>(int size, Func<Communicator, T> body)
    {
        var ranks = Create(size);
        var results = new T[size];
        var errors = new Exception?[size];
        var threads = ranks.Select((c, r) => new Thread(() =>
        {
            try
            {
                results[r] = body(c);
            }
            catch (Exception e)
            {
                errors[r] = e;
            }
        }, 64 << 20)).ToArray();
        foreach (var t in threads)
        {
            t.Start();
        }

        foreach (var t in threads)
        {
            t.Join();
        }

        if (errors.Any(e => e is not null))
        {
            throw new AggregateException(errors.Where(e => e is not null)!);
        }

        return results;
    }

    public override void Sum(Span<float> values) => Reduce(values, (a, b) => a + b);

    public override void Sum(Span<double> values) => Reduce(values, (a, b) => a + b);

    public override void Max(Span<double> values) => Reduce(values, Math.Max);

    public override void Broadcast(Span<byte> data, int root = 0)
    {
        _shared.Slots[Rank] = data.ToArray();
        _shared.Barrier.SignalAndWait();
        var from = (byte[])_shared.Slots[root]!;
        Assert.Equal(from.Length, data.Length);
        from.CopyTo(data);
        _shared.Barrier.SignalAndWait();
    }

    public override void Barrier() => _shared.Barrier.SignalAndWait();

    public override void Abort(int exitCode) => throw new InvalidOperationException($"rank {Rank} aborted the job with {exitCode}");

    private void Reduce<T>(Span<T> values, Func<T, T, T> op)
    {
        _shared.Slots[Rank] = values.ToArray();
        _shared.Barrier.SignalAndWait();
        var all = _shared.Slots.Select(s => (T[])s!).ToArray();
        int length = values.Length;
        Assert.All(all, a => Assert.Equal(length, a.Length)); // every rank must reduce the same length
        for (int i = 0; i < values.Length; i++)
        {
            T v = all[0][i];
            for (int r = 1; r < all.Length; r++)
            {
                v = op(v, all[r][i]);
            }

            values[i] = v;
        }

        _shared.Barrier.SignalAndWait();
    }

    private sealed class Shared(int size)
    {
        public object?[] Slots { get; } = new object?[size];

        public System.Threading.Barrier Barrier { get; } = new(size);
    }
}
