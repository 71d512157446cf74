using System.Buffers;

namespace Flows.Kernels;

public static partial class Conv2d
{
    /// <summary>Largest unfolded depth (Ci·kh·kw) for which a kernel larger than 1×1 takes the direct path.</summary>
    private const int DirectUnfoldDepth = 64;

    /// <summary>
    /// Whether <see cref="DirectConvolve"/> serves this problem: a 1×1 kernel (nothing to pad; with few
    /// channels, e.g. Glow's invertible 1×1 convolution, the copies are most of the work), or many output
    /// channels (at least one full micro-tile of rows) and a small unfolded depth.
    /// </summary>
    private static bool UsesDirect(ConvGeometry g)
        => (g.KernelHeight == 1 && g.KernelWidth == 1) || (g.OutChannels > Gemm.Avx512MR && g.PatchLength <= DirectUnfoldDepth);

    /// <summary>
    /// y[n] = W·B_n written straight into NCHW, where B_n is the image itself for a 1×1 kernel (row c =
    /// plane c) and the image's unfolded patches otherwise (a Ci·kh·kw × Plane scratch, small here).
    /// Unlike <see cref="WindowConvolve"/> there is no zero-bordered copy of the input and no copy of the
    /// output out of padded spans, and no work on gap columns. Full 32-position tiles run in place; the
    /// last Plane mod 32 positions of every row go through a small zero-padded scratch, so no read or
    /// write leaves the image. Same micro-kernels and depth order as <see cref="WindowConvolve"/>:
    /// every output element sees the same FMA chain (results are bit-identical to it).
    /// </summary>
    private static unsafe void DirectConvolve(ConvGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> w, Span<float> y)
    {
        const int mr = Gemm.Avx512MR;
        bool unfold = g.KernelHeight != 1 || g.KernelWidth != 1;
        int co = g.OutChannels, ci = g.InChannels, k = g.PatchLength, plane = g.Plane;
        int rowsPadded = (co + mr - 1) / mr * mr;
        float[] packed = ArrayPool<float>.Shared.Rent((rowsPadded * k) + 16);
        int[] offsets = ArrayPool<int>.Shared.Rent(2 * k);
        try
        {
            fixed (float* xSource = x, wSource = w, ySource = y, packedBase = packed)
            fixed (int* offsetBase = offsets)
            {
                float* aPack = Align64(packedBase);
                var panel = new DensePanelA(wSource, k, trans: false);
                for (int pc = 0; pc < k; pc += WindowKC)
                {
                    int kc = Math.Min(WindowKC, k - pc);
                    for (int i = 0; i < co; i += mr)
                    {
                        panel.Pack(i, Math.Min(mr, co - i), pc, kc, mr, aPack + ((long)rowsPadded * pc) + ((long)i * kc));
                    }
                }

                // Row offsets of B in the image or unfolded scratch [0, k), and in the tail scratch [k, 2k).
                for (int p = 0; p < k; p++)
                {
                    offsetBase[p] = p * plane;
                    offsetBase[k + p] = p * 32;
                }

                nint xa = (nint)xSource, aa = (nint)aPack, ya = (nint)ySource, oa = (nint)offsetBase;
                Parallelism.For(g.Batch, n =>
                {
                    float* xImage = (float*)xa + ((long)n * ci * plane);
                    float* yImage = (float*)ya + ((long)n * co * plane);
                    float[]? columns = null;
                    try
                    {
                        float* source = xImage;
                        if (unfold)
                        {
                            columns = ArrayPool<float>.Shared.Rent(k * plane);
                            Unfold(g, new ReadOnlySpan<float>(xImage, ci * plane), columns);
                        }

                        fixed (float* columnBase = columns)
                        {
                            DirectImage(unfold ? columnBase : source, yImage, (float*)aa, (int*)oa, k, co, rowsPadded, plane);
                        }
                    }
                    finally
                    {
                        if (columns is not null)
                        {
                            ArrayPool<float>.Shared.Return(columns);
                        }
                    }
                });
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(packed);
            ArrayPool<int>.Shared.Return(offsets);
        }
    }

    /// <summary>One image: B rows at <paramref name="b"/> + offsets[p] (stride <paramref name="plane"/>), C rows of <paramref name="plane"/> floats.</summary>
    private static unsafe void DirectImage(float* b, float* yImage, float* aPack, int* offsets, int k, int co, int rowsPadded, int plane)
    {
        const int mr = Gemm.Avx512MR;
        int full = plane / 32 * 32, tail = plane - full;
        for (int pc = 0; pc < k; pc += WindowKC)
        {
            int kc = Math.Min(WindowKC, k - pc);
            float* block = aPack + ((long)rowsPadded * pc);
            for (int t0 = 0; t0 < full; t0 += 32)
            {
                for (int i = 0; i < co; i += mr)
                {
                    Avx512WindowTile(Math.Min(mr, co - i), 32, kc, block + ((long)i * kc), b + t0, offsets + pc,
                        yImage + ((long)i * plane) + t0, plane, overwrite: pc == 0);
                }
            }
        }

        if (tail == 0)
        {
            return;
        }

        int width = tail <= 16 ? 16 : 32;
        float[] scratch = ArrayPool<float>.Shared.Rent(((k + co) * 32) + 16);
        try
        {
            fixed (float* scratchBase = scratch)
            {
                float* bs = Align64(scratchBase);
                float* cs = bs + ((long)k * 32);
                new Span<float>(bs, k * 32).Clear();
                for (int p = 0; p < k; p++)
                {
                    new ReadOnlySpan<float>(b + ((long)p * plane) + full, tail).CopyTo(new Span<float>(bs + (p * 32), tail));
                }

                for (int pc = 0; pc < k; pc += WindowKC)
                {
                    int kc = Math.Min(WindowKC, k - pc);
                    float* block = aPack + ((long)rowsPadded * pc);
                    for (int i = 0; i < co; i += mr)
                    {
                        Avx512WindowTile(Math.Min(mr, co - i), width, kc, block + ((long)i * kc), bs, offsets + k + pc, cs + (i * 32), 32, overwrite: pc == 0);
                    }
                }

                for (int o = 0; o < co; o++)
                {
                    new ReadOnlySpan<float>(cs + (o * 32), tail).CopyTo(new Span<float>(yImage + ((long)o * plane) + full, tail));
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(scratch);
        }
    }
}
