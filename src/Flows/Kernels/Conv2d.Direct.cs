using System.Buffers;

namespace Flows.Kernels;

internal static partial class Conv2d
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
    /// last Plane mod 32 positions of every row go through a small zero-padded scratch (<see cref="TailTile"/>),
    /// so no read or write leaves the image, and the tails of as many images as fit in one 32-wide tile
    /// share it (a fixed grouping by plane size; 14×14 planes leave 4 positions, so 8 images share a tile
    /// instead of a mostly empty tile each). Same micro-kernels and depth order as <see cref="WindowConvolve"/>:
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
                PackWeightSlivers(wSource, co, k, rowsPadded, aPack);

                // Row offsets of B in the image or unfolded scratch [0, k), and in the tail scratch [k, 2k).
                for (int p = 0; p < k; p++)
                {
                    offsetBase[p] = p * plane;
                    offsetBase[k + p] = p * 32;
                }

                nint xa = (nint)xSource, aa = (nint)aPack, ya = (nint)ySource, oa = (nint)offsetBase;
                int tail = plane % 32, perGroup = tail == 0 ? 1 : Math.Max(1, 32 / tail);
                int groups = (g.Batch + perGroup - 1) / perGroup;
                Parallelism.For(groups, group =>
                {
                    int first = group * perGroup, count = Math.Min(perGroup, g.Batch - first);
                    float[]? columns = unfold ? ArrayPool<float>.Shared.Rent(k * plane) : null;
                    var tails = tail > 0 ? new TailTile(k, co, count * tail) : default;
                    try
                    {
                        fixed (float* columnBase = columns)
                        {
                            for (int m = 0; m < count; m++)
                            {
                                int n = first + m;
                                float* b = (float*)xa + ((long)n * ci * plane);
                                if (unfold)
                                {
                                    Unfold(g, new ReadOnlySpan<float>(b, ci * plane), new Span<float>(columnBase, k * plane));
                                    b = columnBase;
                                }

                                DirectFullTiles(b, (float*)ya + ((long)n * co * plane), (float*)aa, (int*)oa, k, co, rowsPadded, plane);
                                if (tail > 0)
                                {
                                    tails.Gather(b, plane, plane - tail, m * tail, tail);
                                }
                            }
                        }

                        if (tail > 0)
                        {
                            tails.Compute((float*)aa, (int*)oa + k, rowsPadded);
                            for (int m = 0; m < count; m++)
                            {
                                tails.Scatter((float*)ya + ((long)(first + m) * co * plane), plane, plane - tail, m * tail, tail);
                            }
                        }
                    }
                    finally
                    {
                        if (tail > 0)
                        {
                            tails.Dispose();
                        }

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
        DirectFullTiles(b, yImage, aPack, offsets, k, co, rowsPadded, plane);
        int tail = plane % 32;
        if (tail == 0)
        {
            return;
        }

        var tails = new TailTile(k, co, tail);
        try
        {
            tails.Gather(b, plane, plane - tail, 0, tail);
            tails.Compute(aPack, offsets + k, rowsPadded);
            tails.Scatter(yImage, plane, plane - tail, 0, tail);
        }
        finally
        {
            tails.Dispose();
        }
    }

    /// <summary>The whole 32-position tiles of one image, in place.</summary>
    private static unsafe void DirectFullTiles(float* b, float* yImage, float* aPack, int* offsets, int k, int co, int rowsPadded, int plane)
    {
        const int mr = Gemm.Avx512MR;
        int full = plane / 32 * 32;
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
    }

    /// <summary>
    /// The positions left after the whole tiles — of one image, or of several images side by side (a
    /// tile's columns are independent, so each element still sees the same FMA chain) — gathered into
    /// zero-padded rows of 32, computed as one tile of 16 or 32 columns, and scattered back.
    /// </summary>
    private readonly unsafe struct TailTile
    {
        private readonly float[] _scratch;
        private readonly float* _b;
        private readonly float* _c;
        private readonly int _k, _co, _width;
        private readonly System.Runtime.InteropServices.GCHandle _pin;

        public TailTile(int k, int co, int columns)
        {
            (_k, _co) = (k, co);
            _width = columns <= 16 ? 16 : 32;
            _scratch = ArrayPool<float>.Shared.Rent(((k + co) * 32) + 16);
            _pin = System.Runtime.InteropServices.GCHandle.Alloc(_scratch, System.Runtime.InteropServices.GCHandleType.Pinned);
            _b = Align64((float*)_pin.AddrOfPinnedObject());
            _c = _b + ((long)k * 32);
            new Span<float>(_b, k * 32).Clear();
        }

        /// <summary>Columns [column, column + count) of the tail rows from B rows at <paramref name="b"/> (stride <paramref name="stride"/>), positions [start, start + count).</summary>
        public void Gather(float* b, int stride, int start, int column, int count)
        {
            for (int p = 0; p < _k && count > 0; p++)
            {
                new ReadOnlySpan<float>(b + ((long)p * stride) + start, count).CopyTo(new Span<float>(_b + (p * 32) + column, count));
            }
        }

        public void Compute(float* aPack, int* rowOffsets, int rowsPadded)
        {
            const int mr = Gemm.Avx512MR;
            for (int pc = 0; pc < _k; pc += WindowKC)
            {
                int kc = Math.Min(WindowKC, _k - pc);
                float* block = aPack + ((long)rowsPadded * pc);
                for (int i = 0; i < _co; i += mr)
                {
                    Avx512WindowTile(Math.Min(mr, _co - i), _width, kc, block + ((long)i * kc), _b, rowOffsets + pc, _c + (i * 32), 32, overwrite: pc == 0);
                }
            }
        }

        /// <summary>Columns [column, column + count) of the computed rows to C rows at <paramref name="y"/> (stride <paramref name="stride"/>), positions [start, start + count).</summary>
        public void Scatter(float* y, int stride, int start, int column, int count)
        {
            for (int o = 0; o < _co && count > 0; o++)
            {
                new ReadOnlySpan<float>(_c + (o * 32) + column, count).CopyTo(new Span<float>(y + ((long)o * stride) + start, count));
            }
        }

        public void Dispose()
        {
            _pin.Free();
            ArrayPool<float>.Shared.Return(_scratch);
        }
    }
}
