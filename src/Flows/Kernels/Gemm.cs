using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Flows.Kernels;

/// <summary>
/// Single-precision matrix product on row-major storage: C = op(A)·op(B) (+ C when accumulating),
/// op(A) is m×k, op(B) is k×n. Packed panels, cache blocking and register-tiled SIMD micro-kernels
/// (Vector512 where available, else Vector256, else scalar). Every element of C is accumulated
/// over k in the same order whatever the split of the work, so the result is bitwise identical
/// for any thread count.
/// </summary>
internal static partial class Gemm
{
    /// <summary>The micro-kernel family this machine runs.</summary>
    internal static GemmPath BestPath { get; } =
        Avx512F.IsSupported ? GemmPath.Avx512 : Fma.IsSupported && Avx.IsSupported ? GemmPath.Avx2 : GemmPath.Scalar;

    public static void Multiply(bool transA, bool transB, int m, int n, int k,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, Span<float> c, int ldc, bool accumulate)
        => Multiply(BestPath, transA, transB, m, n, k, a, lda, b, ldb, c, ldc, accumulate, parallel: true);

    /// <summary>The same product on the calling thread only, for kernels that parallelise at an outer level.</summary>
    public static void MultiplySerial(bool transA, bool transB, int m, int n, int k,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, Span<float> c, int ldc, bool accumulate)
        => Multiply(BestPath, transA, transB, m, n, k, a, lda, b, ldb, c, ldc, accumulate, parallel: false);

    /// <summary>The product with an explicit micro-kernel family, so tests can check every path on one machine.</summary>
    internal static unsafe void Multiply(GemmPath path, bool transA, bool transB, int m, int n, int k,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, Span<float> c, int ldc, bool accumulate, bool parallel)
    {
        Check(transA, transB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc);
        if (!IsSupported(path))
        {
            throw new PlatformNotSupportedException($"GEMM path {path} needs instructions this CPU lacks.");
        }

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

        fixed (float* ap = a, bp = b, cp = c)
        {
            Run(path, m, n, k, new DensePanelA(ap, lda, transA), new DensePanelB(bp, ldb, transB), cp, ldc, accumulate, parallel);
        }
    }

    internal static bool IsSupported(GemmPath path) => path switch
    {
        GemmPath.Avx512 => Avx512F.IsSupported,
        GemmPath.Avx2 => Fma.IsSupported && Avx.IsSupported,
        _ => true,
    };

    internal static void Check(bool transA, bool transB, int m, int n, int k, int aLength, int lda, int bLength, int ldb, int cLength, int ldc)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        int aWidth = transA ? m : k, bWidth = transB ? k : n;
        if ((aWidth > 0 && lda < aWidth) || (bWidth > 0 && ldb < bWidth) || (n > 0 && ldc < n))
        {
            throw new ArgumentException($"GEMM m={m} n={n} k={k}: leading dimensions lda={lda} ldb={ldb} ldc={ldc} are smaller than the rows they hold ({aWidth}, {bWidth}, {n}).");
        }

        long aNeed = m == 0 || k == 0 ? 0 : transA ? ((long)(k - 1) * lda) + m : ((long)(m - 1) * lda) + k;
        long bNeed = k == 0 || n == 0 ? 0 : transB ? ((long)(n - 1) * ldb) + k : ((long)(k - 1) * ldb) + n;
        long cNeed = m == 0 || n == 0 ? 0 : ((long)(m - 1) * ldc) + n;
        if (aLength < aNeed || bLength < bNeed || cLength < cNeed)
        {
            throw new ArgumentException($"GEMM m={m} n={n} k={k}: A has {aLength} (needs {aNeed}), B has {bLength} (needs {bNeed}), C has {cLength} (needs {cNeed}).");
        }
    }
}

/// <summary>Micro-kernel families; each has its own register tile (MR×NR) and packed layout.</summary>
internal enum GemmPath
{
    Scalar,
    Avx2,
    Avx512,
}
