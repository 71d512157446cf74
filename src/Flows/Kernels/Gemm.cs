using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Flows.Kernels;

/// <summary>
/// Single-precision matrix product on row-major storage: C = op(A)·op(B) (+ C when accumulating),
/// op(A) is m×k, op(B) is k×n. Rows of C are split into fixed chunks, so the result does not depend
/// on the thread count.
/// </summary>
public static class Gemm
{
    public static void Multiply(bool transA, bool transB, int m, int n, int k,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, Span<float> c, int ldc, bool accumulate)
        => Multiply(transA, transB, m, n, k, a, lda, b, ldb, c, ldc, accumulate, parallel: true);

    /// <summary>The same product on the calling thread only, for kernels that parallelise at an outer level.</summary>
    public static void MultiplySerial(bool transA, bool transB, int m, int n, int k,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, Span<float> c, int ldc, bool accumulate)
        => Multiply(transA, transB, m, n, k, a, lda, b, ldb, c, ldc, accumulate, parallel: false);

    private static void Multiply(bool transA, bool transB, int m, int n, int k,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, Span<float> c, int ldc, bool accumulate, bool parallel)
    {
        Check(transA, transB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc);
        if (m == 0 || n == 0)
        {
            return;
        }

        if (k == 0)
        {
            if (!accumulate)
            {
                for (int i = 0; i < m; i++)
                {
                    c.Slice(i * ldc, n).Clear();
                }
            }

            return;
        }

        // Pack op(B) row-major k×n and op(A) row-major m×k so the inner loop streams contiguous rows.
        float[] bPacked = System.Buffers.ArrayPool<float>.Shared.Rent(k * n);
        float[] aPacked = System.Buffers.ArrayPool<float>.Shared.Rent(m * k);
        try
        {
            Pack(b, ldb, transB, k, n, bPacked);
            Pack(a, lda, transA, m, k, aPacked);
            unsafe
            {
                fixed (float* cp = c)
                {
                    var job = new Job(aPacked, bPacked, (nint)cp, m, n, k, ldc, accumulate);
                    int chunks = parallel ? Math.Min(Parallelism.ChunkCount((long)m * n * k, 1L << 18), m) : 1;
                    Parallelism.For(chunks, chunk =>
                    {
                        var (start, end) = Parallelism.ChunkRange(chunk, chunks, job.M);
                        job.Rows(start, end);
                    });
                }
            }
        }
        finally
        {
            System.Buffers.ArrayPool<float>.Shared.Return(bPacked);
            System.Buffers.ArrayPool<float>.Shared.Return(aPacked);
        }
    }

    internal static void Check(bool transA, bool transB, int m, int n, int k, int aLength, int lda, int bLength, int ldb, int cLength, int ldc)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        long aNeed = m == 0 || k == 0 ? 0 : transA ? ((long)(k - 1) * lda) + m : ((long)(m - 1) * lda) + k;
        long bNeed = k == 0 || n == 0 ? 0 : transB ? ((long)(n - 1) * ldb) + k : ((long)(k - 1) * ldb) + n;
        long cNeed = m == 0 || n == 0 ? 0 : ((long)(m - 1) * ldc) + n;
        if (aLength < aNeed || bLength < bNeed || cLength < cNeed)
        {
            throw new ArgumentException($"GEMM m={m} n={n} k={k}: A has {aLength} (needs {aNeed}), B has {bLength} (needs {bNeed}), C has {cLength} (needs {cNeed}).");
        }
    }

    private static void Pack(ReadOnlySpan<float> src, int ld, bool trans, int rows, int cols, float[] dst)
    {
        if (!trans)
        {
            for (int r = 0; r < rows; r++)
            {
                src.Slice(r * ld, cols).CopyTo(dst.AsSpan(r * cols, cols));
            }

            return;
        }

        for (int r = 0; r < rows; r++)
        {
            for (int q = 0; q < cols; q++)
            {
                dst[(r * cols) + q] = src[(q * ld) + r];
            }
        }
    }

    private readonly struct Job(float[] a, float[] b, nint c, int m, int n, int k, int ldc, bool accumulate)
    {
        public int M => m;

        public unsafe void Rows(int start, int end)
        {
            float* cp = (float*)c;
            for (int i = start; i < end; i++)
            {
                var cRow = new Span<float>(cp + ((long)i * ldc), n);
                if (!accumulate)
                {
                    cRow.Clear();
                }

                var aRow = a.AsSpan(i * k, k);
                for (int p = 0; p < k; p++)
                {
                    float av = aRow[p];
                    Axpy(av, b.AsSpan(p * n, n), cRow);
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Axpy(float alpha, ReadOnlySpan<float> x, Span<float> y)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && x.Length >= Vector<float>.Count)
        {
            var va = new Vector<float>(alpha);
            var xv = MemoryMarshal.Cast<float, Vector<float>>(x);
            var yv = MemoryMarshal.Cast<float, Vector<float>>(y);
            for (int v = 0; v < xv.Length; v++)
            {
                yv[v] = Vector.FusedMultiplyAdd(va, xv[v], yv[v]);
            }

            i = xv.Length * Vector<float>.Count;
        }

        for (; i < x.Length; i++)
        {
            y[i] = MathF.FusedMultiplyAdd(alpha, x[i], y[i]);
        }
    }
}
