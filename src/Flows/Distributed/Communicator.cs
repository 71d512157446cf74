namespace Flows.Distributed;

/// <summary>
/// The processes of a data-parallel job and the few collective operations training needs: sums and maxima
/// across ranks, a broadcast from one rank, a barrier and an abort. Every rank must make the same calls in
/// the same order with the same lengths; a rank that cannot must <see cref="Abort"/>, never return early.
/// <see cref="OneProcess"/> is the job of one process (every operation a no-op); <see cref="FromEnvironment"/>
/// joins the MPI job the process was started in by <c>mpirun</c>, if any.
/// </summary>
public abstract class Communicator : IDisposable
{
    /// <summary>The job of this process alone: rank 0 of 1.</summary>
    public static Communicator OneProcess { get; } = new SingleProcess();

    /// <summary>This process's rank, 0 ≤ Rank &lt; Size.</summary>
    public abstract int Rank { get; }

    /// <summary>The number of processes in the job.</summary>
    public abstract int Size { get; }

    /// <summary>Rank 0, the one that writes files and prints progress.</summary>
    public bool IsRoot => Rank == 0;

    /// <summary>What carries the job ("one process", "Open MPI v4.1.4, …").</summary>
    public abstract string Description { get; }

    /// <summary>Replaces every element by its sum over the ranks (every rank gets the same bits).</summary>
    public abstract void Sum(Span<float> values);

    /// <summary>Replaces every element by its sum over the ranks (every rank gets the same bits).</summary>
    public abstract void Sum(Span<double> values);

    /// <summary>Replaces every element by its maximum over the ranks.</summary>
    public abstract void Max(Span<double> values);

    /// <summary>Copies <paramref name="data"/> of rank <paramref name="root"/> into every rank's <paramref name="data"/>.</summary>
    public abstract void Broadcast(Span<byte> data, int root = 0);

    /// <summary>Returns when every rank has called it.</summary>
    public abstract void Barrier();

    /// <summary>Ends every process of the job with <paramref name="exitCode"/>; does not return.</summary>
    public abstract void Abort(int exitCode);

    /// <summary>True on every rank when <paramref name="value"/> is true on at least one.</summary>
    public bool Any(bool value)
    {
        if (Size == 1)
        {
            return value;
        }

        Span<double> v = [value ? 1 : 0];
        Max(v);
        return v[0] > 0;
    }

    /// <summary>The ranks whose <paramref name="value"/> differs from rank 0's, known to every rank (empty when all agree).</summary>
    public int[] RanksDifferingFromRoot(ReadOnlySpan<byte> value)
    {
        if (Size == 1)
        {
            return [];
        }

        // The root's bytes to everyone, then one flag per rank summed so every rank knows which ranks differ.
        var root = value.ToArray();
        Span<byte> length = BitConverter.GetBytes(root.Length);
        Broadcast(length);
        int rootLength = BitConverter.ToInt32(length);
        var fromRoot = new byte[rootLength];
        if (IsRoot)
        {
            root.CopyTo(fromRoot, 0);
        }

        Broadcast(fromRoot);
        var differs = new double[Size];
        differs[Rank] = value.SequenceEqual(fromRoot) ? 0 : 1;
        Sum(differs);
        return [.. Enumerable.Range(0, Size).Where(r => differs[r] != 0)];
    }

    /// <summary>
    /// The MPI job this process was started in by <c>mpirun</c> (Open MPI), or <see cref="OneProcess"/> when it was not.
    /// The first call initialises MPI; later calls return the same communicator.
    /// </summary>
    /// <exception cref="InvalidOperationException">Started by an MPI launcher whose library cannot be loaded or is not Open MPI.</exception>
    public static Communicator FromEnvironment()
    {
        lock (Gate)
        {
            return s_joined ??= Join();
        }
    }

    /// <summary>True when an MPI launcher started this process (its environment says so), whether or not MPI was initialised.</summary>
    public static bool LaunchedByMpi
        => Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_SIZE") is not null
           || Environment.GetEnvironmentVariable("PMI_SIZE") is not null
           || Environment.GetEnvironmentVariable("PMIX_RANK") is not null;

    /// <summary>Processes of the job on this machine (from the launcher's environment); 1 when not launched by MPI.</summary>
    public static int LocalSize
        => int.TryParse(Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_LOCAL_SIZE"), out int n) && n > 0 ? n : 1;

    private static readonly object Gate = new();
    private static Communicator? s_joined;

    private static Communicator Join()
    {
        if (Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_SIZE") is not null)
        {
            return OpenMpiCommunicator.Initialize();
        }

        if (LaunchedByMpi)
        {
            throw new InvalidOperationException(
                "This process was started by an MPI launcher other than Open MPI's mpirun (MPICH, Intel MPI, …); flows binds Open MPI 4 or 5 (libmpi.so.40). Install Open MPI (apt install openmpi-bin libopenmpi-dev) and start with its mpirun.");
        }

        return OneProcess;
    }

    /// <summary>Disposes the communicator (see <see cref="Dispose(bool)"/>).</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases what a derived communicator holds; the base class holds nothing.</summary>
    /// <param name="disposing">True when called from <see cref="Dispose()"/>, false from a finalizer.</param>
    protected virtual void Dispose(bool disposing)
    {
    }

    private sealed class SingleProcess : Communicator
    {
        public override int Rank => 0;

        public override int Size => 1;

        public override string Description => "one process";

        public override void Sum(Span<float> values)
        {
        }

        public override void Sum(Span<double> values)
        {
        }

        public override void Max(Span<double> values)
        {
        }

        public override void Broadcast(Span<byte> data, int root = 0)
            => ArgumentOutOfRangeException.ThrowIfNotEqual(root, 0);

        public override void Barrier()
        {
        }

        public override void Abort(int exitCode) => Environment.Exit(exitCode);
    }
}
