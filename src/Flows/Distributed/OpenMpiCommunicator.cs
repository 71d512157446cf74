using System.Runtime.InteropServices;
using System.Text;

namespace Flows.Distributed;

/// <summary>
/// MPI_COMM_WORLD of Open MPI (4.x, 5.x: libmpi.so.40), called through the handful of C functions data-parallel
/// training needs. Open MPI's handles are the addresses of exported globals (<c>ompi_mpi_comm_world</c>,
/// <c>ompi_mpi_float</c>, <c>ompi_mpi_op_sum</c>, …), so they are looked up in the loaded library rather than
/// compiled in; MPI.NET binds Microsoft MPI's ABI and cannot load Open MPI. Calls come from one thread
/// (MPI_THREAD_FUNNELED); MPI's default error handler ends the job on a communication error.
/// </summary>
internal sealed unsafe partial class OpenMpiCommunicator : Communicator
{
    private const int ThreadFunneled = 1;
    private const int Success = 0;
    private static readonly nint InPlace = 1;

    private readonly nint _world;
    private readonly nint _float;
    private readonly nint _double;
    private readonly nint _byte;
    private readonly nint _sum;
    private readonly nint _max;
    private readonly delegate* unmanaged<void*, void*, int, nint, nint, nint, int> _allreduce;
    private readonly delegate* unmanaged<void*, int, nint, int, nint, int> _bcast;
    private readonly delegate* unmanaged<nint, int> _barrier;
    private readonly delegate* unmanaged<nint, int, int> _abort;
    private readonly delegate* unmanaged<int*, int> _finalized;
    private readonly delegate* unmanaged<int> _finalize;

    private OpenMpiCommunicator(nint library)
    {
        _world = Export(library, "ompi_mpi_comm_world");
        _float = Export(library, "ompi_mpi_float");
        _double = Export(library, "ompi_mpi_double");
        _byte = Export(library, "ompi_mpi_byte");
        _sum = Export(library, "ompi_mpi_op_sum");
        _max = Export(library, "ompi_mpi_op_max");
        _allreduce = (delegate* unmanaged<void*, void*, int, nint, nint, nint, int>)Export(library, "MPI_Allreduce");
        _bcast = (delegate* unmanaged<void*, int, nint, int, nint, int>)Export(library, "MPI_Bcast");
        _barrier = (delegate* unmanaged<nint, int>)Export(library, "MPI_Barrier");
        _abort = (delegate* unmanaged<nint, int, int>)Export(library, "MPI_Abort");
        _finalized = (delegate* unmanaged<int*, int>)Export(library, "MPI_Finalized");
        _finalize = (delegate* unmanaged<int>)Export(library, "MPI_Finalize");

        var initialized = (delegate* unmanaged<int*, int>)Export(library, "MPI_Initialized");
        var init = (delegate* unmanaged<int*, byte***, int, int*, int>)Export(library, "MPI_Init_thread");
        var rank = (delegate* unmanaged<nint, int*, int>)Export(library, "MPI_Comm_rank");
        var size = (delegate* unmanaged<nint, int*, int>)Export(library, "MPI_Comm_size");
        var version = (delegate* unmanaged<byte*, int*, int>)Export(library, "MPI_Get_library_version");

        int flag = 0;
        Check(initialized(&flag), "MPI_Initialized");
        if (flag == 0)
        {
            int provided = 0;
            Check(init(null, null, ThreadFunneled, &provided), "MPI_Init_thread");
            AppDomain.CurrentDomain.ProcessExit += (_, _) => FinalizeMpi();
        }

        int r = 0, n = 0;
        Check(rank(_world, &r), "MPI_Comm_rank");
        Check(size(_world, &n), "MPI_Comm_size");
        Rank = r;
        Size = n;
        var text = stackalloc byte[1024];
        int length = 0;
        Check(version(text, &length), "MPI_Get_library_version");
        string full = Encoding.ASCII.GetString(text, Math.Clamp(length, 0, 1024)).TrimEnd('\0', '\n', ' ');
        int comma = full.IndexOf(',', StringComparison.Ordinal);
        Description = comma > 0 ? full[..comma] : full;
    }

    public override int Rank { get; }

    public override int Size { get; }

    public override string Description { get; }

    /// <summary>The environment variable that names Open MPI's library when it is not on the loader's path (e.g. /opt/openmpi/lib/libmpi.so.40).</summary>
    public const string LibraryVariable = "FLOWS_MPI_LIBRARY";

    /// <summary>Loads Open MPI's library and joins MPI_COMM_WORLD.</summary>
    public static OpenMpiCommunicator Initialize()
    {
        nint library = 0;
        string? given = Environment.GetEnvironmentVariable(LibraryVariable);
        string[] names = string.IsNullOrWhiteSpace(given) ? ["libmpi.so.40", "libmpi.so"] : [given];
        foreach (string name in names)
        {
            // Open MPI loads its components with dlopen and they resolve symbols of libmpi: load it globally.
            library = Posix.OpenGlobal(name);
            if (library != 0)
            {
                break;
            }
        }

        if (library == 0)
        {
            throw new InvalidOperationException(string.IsNullOrWhiteSpace(given)
                ? $"This process was started by mpirun, but Open MPI's library (libmpi.so.40) could not be loaded: install it (apt install openmpi-bin libopenmpi-dev) on every machine of the job, or set {LibraryVariable} to its path."
                : $"This process was started by mpirun, but {LibraryVariable}={given} could not be loaded as Open MPI's library.");
        }

        return new OpenMpiCommunicator(library);
    }

    public override void Sum(Span<float> values) => AllReduce(values, _float, _sum);

    public override void Sum(Span<double> values) => AllReduce(values, _double, _sum);

    public override void Max(Span<double> values) => AllReduce(values, _double, _max);

    public override void Broadcast(Span<byte> data, int root = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(root);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(root, Size);
        fixed (byte* p = data)
        {
            Check(_bcast(p, data.Length, _byte, root, _world), "MPI_Bcast");
        }
    }

    public override void Barrier() => Check(_barrier(_world), "MPI_Barrier");

    public override void Abort(int exitCode)
    {
        Console.Out.Flush();
        Console.Error.Flush();
        _ = _abort(_world, exitCode);
        Environment.Exit(exitCode);
    }

    private void AllReduce<T>(Span<T> values, nint type, nint op)
        where T : unmanaged
    {
        fixed (T* p = values)
        {
            Check(_allreduce((void*)InPlace, p, values.Length, type, op, _world), "MPI_Allreduce");
        }
    }

    private void FinalizeMpi()
    {
        int done = 0;
        if (_finalized(&done) == Success && done == 0)
        {
            _ = _finalize();
        }
    }

    private static nint Export(nint library, string name)
        => NativeLibrary.TryGetExport(library, name, out nint address)
            ? address
            : throw new InvalidOperationException($"The loaded MPI library has no symbol {name}: it is not Open MPI 4 or 5 (libmpi.so.40), which flows binds.");

    private static void Check(int code, string call)
    {
        if (code != Success)
        {
            throw new InvalidOperationException($"{call} failed with MPI error code {code}.");
        }
    }

    /// <summary>dlopen with RTLD_NOW | RTLD_GLOBAL (NativeLibrary.Load keeps symbols local).</summary>
    private static partial class Posix
    {
        private const int Now = 0x2;
        private const int Global = 0x100;

        public static nint OpenGlobal(string name)
        {
            try
            {
                return DlOpen(name, Now | Global);
            }
            catch (DllNotFoundException)
            {
                return NativeLibrary.TryLoad(name, out nint handle) ? handle : 0;
            }
        }

        [LibraryImport("libc.so.6", EntryPoint = "dlopen", StringMarshalling = StringMarshalling.Utf8)]
        private static partial nint DlOpen(string name, int flags);
    }
}
