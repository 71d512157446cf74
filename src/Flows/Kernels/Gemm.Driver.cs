using System.Buffers;
using System.Runtime.CompilerServices;

namespace Flows.Kernels;

internal static partial class Gemm
{
    /// <summary>Depth of a packed panel: a KC×NR sliver of B (32 KB for NR = 32) stays in L1 across a row block.</summary>
    private const int KC = 256;

    /// <summary>Rows of C per compute task (the A block a task streams from L2).</summary>
    private const int MC = 128;

    /// <summary>Columns of B packed at a time (KC×NC floats = 1 MB, shared by both cores through L2/L3).</summary>
    private const int NC = 1024;

    /// <summary>Columns of C per compute task (a multiple of every NR).</summary>
    private const int NChunk = 128;

    /// <summary>Below this many multiply-adds the product runs on the calling thread (a fixed size rule, not a thread rule).</summary>
    private const long ParallelWork = 1L << 18;

    /// <summary>
    /// The blocked product. Loop order (BLIS): column panels of NC, depth panels of KC (packed B and A
    /// shared by all tasks), then tasks over MC×NChunk blocks of C, micro-tiles MR×NR inside.
    /// Each C element sees the depth panels in order and the same micro-kernel FMA chain inside
    /// a panel, so no split of rows or columns changes a bit of the result.
    /// </summary>
    internal static unsafe void Run<TA, TB>(GemmPath path, int m, int n, int k, TA a, TB b, float* c, int ldc, bool accumulate, bool parallel)
        where TA : struct, IGemmPanelA
        where TB : struct, IGemmPanelB
    {
        var (mr, nr) = TileOf(path);
        int kcMax = Math.Min(k, KC);
        int ncMax = Math.Min(RoundUp(n, nr), NC);
        int aLength = RoundUp(m, mr) * kcMax, bLength = ncMax * kcMax;

        // 64-byte aligned panels: +16 floats of slack for each of the two alignments.
        float[] buffer = ArrayPool<float>.Shared.Rent(aLength + bLength + 32);
        var job = GemmJob<TA, TB>.Rent();
        try
        {
            fixed (float* bufferPointer = buffer)
            {
                float* aPack = Align64(bufferPointer);
                float* bPack = Align64(aPack + aLength);
                job.Start(path, mr, nr, m, a, b, aPack, bPack, c, ldc);
                bool useThreads = parallel && (long)m * n * k >= ParallelWork;
                for (int jc = 0; jc < n; jc += NC)
                {
                    int nc = Math.Min(NC, n - jc);
                    for (int pc = 0; pc < k; pc += KC)
                    {
                        int kc = Math.Min(KC, k - pc);
                        job.Panel(jc, nc, pc, kc, overwrite: pc == 0 && !accumulate);
                        if (useThreads)
                        {
                            Parallelism.For(job.PackTasks, job.PackBody);
                            Parallelism.For(job.ComputeTasks, job.ComputeBody);
                        }
                        else
                        {
                            job.PackAll();
                            job.ComputeAll();
                        }
                    }
                }
            }
        }
        finally
        {
            job.Return();
            ArrayPool<float>.Shared.Return(buffer);
        }
    }

    internal static (int MR, int NR) TileOf(GemmPath path) => path switch
    {
        GemmPath.Avx512 => (Avx512MR, Avx512NR),
        GemmPath.Avx2 => (Avx2MR, Avx2NR),
        _ => (ScalarMR, ScalarNR),
    };

    private static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;

    private static unsafe float* Align64(float* p) => (float*)(((nuint)p + 63) & ~(nuint)63);

    /// <summary>
    /// One call's state, reused across calls on the same thread so a call allocates nothing: the
    /// parallel bodies are bound once per instance.
    /// </summary>
    private sealed unsafe class GemmJob<TA, TB>
        where TA : struct, IGemmPanelA
        where TB : struct, IGemmPanelB
    {
        // Slivers packed per task: 8 slivers of A (64 rows at MR = 8), 4 of B (128 columns at NR = 32).
        private const int ASliversPerTask = 8;
        private const int BSliversPerTask = 4;

        [ThreadStatic]
        private static GemmJob<TA, TB>? _cached;

        private GemmPath _path;
        private int _mr, _nr, _m, _ldc;
        private TA _a;
        private TB _b;
        private float* _aPack, _bPack, _c;
        private int _jc, _nc, _pc, _kc;
        private bool _overwrite;
        private int _aPackTasks, _mBlocks, _nChunks, _mc;

        private GemmJob()
        {
            PackBody = PackTask;
            ComputeBody = ComputeTask;
        }

        public Action<int> PackBody { get; }

        public Action<int> ComputeBody { get; }

        public int PackTasks { get; private set; }

        public int ComputeTasks => _mBlocks * _nChunks;

        public static GemmJob<TA, TB> Rent()
        {
            var job = _cached ?? new GemmJob<TA, TB>();
            _cached = null;
            return job;
        }

        public void Return()
        {
            _a = default;
            _b = default;
            _cached = this;
        }

        public void Start(GemmPath path, int mr, int nr, int m, TA a, TB b, float* aPack, float* bPack, float* c, int ldc)
        {
            (_path, _mr, _nr, _m, _a, _b, _ldc) = (path, mr, nr, m, a, b, ldc);
            _aPack = aPack;
            _bPack = bPack;
            _c = c;
            // Row blocks start on sliver boundaries: MC rounded down to a multiple of MR.
            _mc = MC / mr * mr;
            _mBlocks = (m + _mc - 1) / _mc;
        }

        public void Panel(int jc, int nc, int pc, int kc, bool overwrite)
        {
            (_jc, _nc, _pc, _kc, _overwrite) = (jc, nc, pc, kc, overwrite);
            int aSlivers = (_m + _mr - 1) / _mr, bSlivers = (nc + _nr - 1) / _nr;
            _aPackTasks = (aSlivers + ASliversPerTask - 1) / ASliversPerTask;
            PackTasks = _aPackTasks + ((bSlivers + BSliversPerTask - 1) / BSliversPerTask);
            _nChunks = (nc + NChunk - 1) / NChunk;
        }

        public void PackAll()
        {
            PackA(0, _m);
            PackB(0, _nc);
        }

        public void ComputeAll() => Compute(0, _m, 0, _nc);

        private void PackTask(int task)
        {
            if (task < _aPackTasks)
            {
                int rowsPerTask = ASliversPerTask * _mr;
                PackA(task * rowsPerTask, Math.Min(_m, (task + 1) * rowsPerTask));
                return;
            }

            int colsPerTask = BSliversPerTask * _nr, t = task - _aPackTasks;
            PackB(t * colsPerTask, Math.Min(_nc, (t + 1) * colsPerTask));
        }

        private void ComputeTask(int task)
        {
            int ib = task / _nChunks, jn = task % _nChunks;
            Compute(ib * _mc, Math.Min(_m, (ib + 1) * _mc), jn * NChunk, Math.Min(_nc, (jn + 1) * NChunk));
        }

        private void PackA(int row0, int row1)
        {
            for (int i = row0; i < row1; i += _mr)
            {
                _a.Pack(i, Math.Min(_mr, _m - i), _pc, _kc, _mr, _aPack + ((long)i * _kc));
            }
        }

        private void PackB(int col0, int col1)
        {
            for (int j = col0; j < col1; j += _nr)
            {
                _b.Pack(_pc, _kc, _jc + j, Math.Min(_nr, _nc - j), _nr, _bPack + ((long)j * _kc));
            }
        }

        /// <summary>C rows [row0, row1) × panel columns [col0, col1); row0 and col0 are multiples of MR and NR.</summary>
        private void Compute(int row0, int row1, int col0, int col1)
        {
            float* tile = stackalloc float[MaxTile];
            int lanes = _nr / 2;
            for (int j = col0; j < col1; j += _nr)
            {
                int cols = Math.Min(_nr, _nc - j);
                int width = cols <= lanes ? lanes : _nr;
                float* bSliver = _bPack + ((long)j * _kc);
                for (int i = row0; i < row1; i += _mr)
                {
                    int rows = Math.Min(_mr, _m - i);
                    float* aSliver = _aPack + ((long)i * _kc);
                    float* cTile = _c + ((long)i * _ldc) + _jc + j;
                    if (cols == width)
                    {
                        Tile(_path, rows, width, _kc, aSliver, bSliver, cTile, _ldc, _overwrite);
                        continue;
                    }

                    // A column remainder: compute the full-width tile aside and copy the columns that exist.
                    Tile(_path, rows, width, _kc, aSliver, bSliver, tile, _nr, overwrite: true);
                    for (int r = 0; r < rows; r++)
                    {
                        var src = new ReadOnlySpan<float>(tile + (r * _nr), cols);
                        var dst = new Span<float>(cTile + ((long)r * _ldc), cols);
                        if (_overwrite)
                        {
                            src.CopyTo(dst);
                        }
                        else
                        {
                            System.Numerics.Tensors.TensorPrimitives.Add(dst, src, dst);
                        }
                    }
                }
            }
        }
    }

    private const int MaxTile = 16 * 32;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Tile(GemmPath path, int rows, int width, int kc, float* a, float* b, float* c, int ldc, bool overwrite)
    {
        switch (path)
        {
            case GemmPath.Avx512:
                Avx512Tile(rows, width, kc, a, b, c, ldc, overwrite);
                break;
            case GemmPath.Avx2:
                Avx2Tile(rows, width, kc, a, b, c, ldc, overwrite);
                break;
            default:
                ScalarTile(rows, width, kc, a, b, c, ldc, overwrite);
                break;
        }
    }
}
