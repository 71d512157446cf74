using System.Buffers;
using System.Runtime.Intrinsics;

namespace Flows.Kernels;

public static partial class Conv2d
{
    /// <summary>Bytes of padded x and dy planes a task walks before moving to the next images (about half of L2).</summary>
    private const int WeightGradientBlockBytes = 1 << 20;

    /// <summary>
    /// dw[o, (ci, u, v)] = Σ_n Σ_t dyPadded[n, o, t] · xPadded[n, ci, t + offset(u, v)]: a grid of
    /// dot products along the span, DotRows×DotCols at a time, each kept as 16 lane-wise partial
    /// sums over all images (in image order) and summed across lanes at the end. Tasks own fixed
    /// ranges of tiles, so no partial result depends on the thread count. The zero borders of dy
    /// make the discarded span positions contribute nothing.
    /// </summary>
    private static unsafe void WindowWeightGradient(ConvGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dw)
    {
        var layout = new PaddedPlanes(g);
        int k = g.PatchLength, co = g.OutChannels, ci = g.InChannels, slot = layout.Slot;
        int iTiles = (co + DotRows - 1) / DotRows, jTiles = (k + DotCols - 1) / DotCols, tiles = iTiles * jTiles;
        const int tileFloats = DotRows * DotCols * 16;
        float[] xPadded = ArrayPool<float>.Shared.Rent(checked((g.Batch * ci * slot) + 16));
        float[] dyPadded = ArrayPool<float>.Shared.Rent(checked((g.Batch * co * slot) + 16));
        float[] partial = ArrayPool<float>.Shared.Rent((tiles * tileFloats) + 16);
        int[] offsets = ArrayPool<int>.Shared.Rent(k);
        try
        {
            fixed (float* xSource = x, dySource = dy, xBase = xPadded, dyBase = dyPadded, partialBase = partial)
            fixed (int* offsetBase = offsets)
            {
                float* xp = Align64(xBase), dyp = Align64(dyBase), acc = Align64(partialBase);
                PadParallel(layout, xSource, xp, g.Batch * ci);
                PadParallel(layout, dySource, dyp, g.Batch * co);
                new Span<float>(acc, tiles * tileFloats).Clear();
                for (int c = 0; c < ci; c++)
                {
                    for (int u = 0; u < g.KernelHeight; u++)
                    {
                        for (int v = 0; v < g.KernelWidth; v++)
                        {
                            offsetBase[(((c * g.KernelHeight) + u) * g.KernelWidth) + v] = (c * slot) + layout.SpanStart + layout.TapOffset(u, v);
                        }
                    }
                }

                int imagesPerBlock = Math.Max(1, WeightGradientBlockBytes / ((co + ci) * slot * sizeof(float)));
                int vectors = layout.SpanLength / 16, tasks = Math.Min(tiles, 32);
                nint xa = (nint)xp, dya = (nint)dyp, acca = (nint)acc, oa = (nint)offsetBase;
                Parallelism.For(tasks, task =>
                {
                    var (first, end) = Parallelism.ChunkRange(task, tasks, tiles);
                    float** aRows = stackalloc float*[DotRows];
                    float** bRows = stackalloc float*[DotCols];
                    for (int n0 = 0; n0 < g.Batch; n0 += imagesPerBlock)
                    {
                        int images = Math.Min(imagesPerBlock, g.Batch - n0);
                        float* dyImages = (float*)dya + ((long)n0 * co * slot) + layout.SpanStart;
                        float* xImages = (float*)xa + ((long)n0 * ci * slot);
                        for (int tile = first; tile < end; tile++)
                        {
                            int it = tile / jTiles, jt = tile % jTiles;

                            // Rows past the edge repeat the last real row; their sums are computed and ignored.
                            for (int r = 0; r < DotRows; r++)
                            {
                                aRows[r] = dyImages + ((long)Math.Min((it * DotRows) + r, co - 1) * slot);
                            }

                            for (int c = 0; c < DotCols; c++)
                            {
                                bRows[c] = xImages + ((int*)oa)[Math.Min((jt * DotCols) + c, k - 1)];
                            }

                            Avx512DotTile4x6(images, vectors, (long)co * slot, (long)ci * slot, aRows, bRows,
                                (Vector512<float>*)((float*)acca + ((long)tile * tileFloats)));
                        }
                    }
                });

                for (int o = 0; o < co; o++)
                {
                    for (int j = 0; j < k; j++)
                    {
                        int tile = ((o / DotRows) * jTiles) + (j / DotCols);
                        int lane = ((o % DotRows) * DotCols) + (j % DotCols);
                        dw[(o * k) + j] = Vector512.Sum(Vector512.Load(acc + ((long)tile * tileFloats) + (lane * 16)));
                    }
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(xPadded);
            ArrayPool<float>.Shared.Return(dyPadded);
            ArrayPool<float>.Shared.Return(partial);
            ArrayPool<int>.Shared.Return(offsets);
        }
    }
}
