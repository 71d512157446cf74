using System.Runtime.Intrinsics;

namespace Flows.Kernels;

/// <summary>
/// A source of op(A) (m×k) for <see cref="Gemm"/>: packs one MR-row sliver of a depth panel as
/// dst[p·mr + i] = op(A)[row0 + i, p0 + p], rows ≥ <c>rows</c> zero-filled.
/// </summary>
internal interface IGemmPanelA
{
    public unsafe void Pack(int row0, int rows, int p0, int kc, int mr, float* dst);
}

/// <summary>
/// A source of op(B) (k×n) for <see cref="Gemm"/>: packs one NR-column sliver of a depth panel as
/// dst[p·nr + j] = op(B)[p0 + p, col0 + j], columns ≥ <c>cols</c> zero-filled.
/// </summary>
internal interface IGemmPanelB
{
    public unsafe void Pack(int p0, int kc, int col0, int cols, int nr, float* dst);
}

/// <summary>A row-major matrix (transposed when <c>trans</c>), read through a raw pointer the caller keeps pinned.</summary>
internal readonly unsafe struct DensePanelA(float* a, int lda, bool trans) : IGemmPanelA
{
    public void Pack(int row0, int rows, int p0, int kc, int mr, float* dst)
    {
        if (trans)
        {
            // op(A)[i, p] = a[p·lda + i]: each depth step is a contiguous run of rows.
            for (int p = 0; p < kc; p++)
            {
                float* src = a + ((long)(p0 + p) * lda) + row0;
                float* d = dst + (p * mr);
                int i = 0;
                for (; i < rows; i++)
                {
                    d[i] = src[i];
                }

                for (; i < mr; i++)
                {
                    d[i] = 0f;
                }
            }

            return;
        }

        for (int i = 0; i < rows; i++)
        {
            float* src = a + ((long)(row0 + i) * lda) + p0;
            for (int p = 0; p < kc; p++)
            {
                dst[(p * mr) + i] = src[p];
            }
        }

        for (int i = rows; i < mr; i++)
        {
            for (int p = 0; p < kc; p++)
            {
                dst[(p * mr) + i] = 0f;
            }
        }
    }
}

/// <summary>A row-major matrix (transposed when <c>trans</c>), read through a raw pointer the caller keeps pinned.</summary>
internal readonly unsafe struct DensePanelB(float* b, int ldb, bool trans) : IGemmPanelB
{
    public void Pack(int p0, int kc, int col0, int cols, int nr, float* dst)
    {
        if (!trans)
        {
            // op(B)[p, j] = b[p·ldb + j]: each depth step copies one contiguous run.
            for (int p = 0; p < kc; p++)
            {
                float* src = b + ((long)(p0 + p) * ldb) + col0;
                float* d = dst + (p * nr);
                if (cols == 32 && Vector512.IsHardwareAccelerated)
                {
                    Vector512.Store(Vector512.Load(src), d);
                    Vector512.Store(Vector512.Load(src + 16), d + 16);
                    continue;
                }

                new ReadOnlySpan<float>(src, cols).CopyTo(new Span<float>(d, cols));
                new Span<float>(d + cols, nr - cols).Clear();
            }

            return;
        }

        for (int j = 0; j < cols; j++)
        {
            float* src = b + ((long)(col0 + j) * ldb) + p0;
            for (int p = 0; p < kc; p++)
            {
                dst[(p * nr) + j] = src[p];
            }
        }

        for (int p = 0; p < kc && cols < nr; p++)
        {
            new Span<float>(dst + (p * nr) + cols, nr - cols).Clear();
        }
    }
}
