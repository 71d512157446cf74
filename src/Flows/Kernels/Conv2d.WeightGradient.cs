using System.Buffers;
using System.Runtime.Intrinsics;

namespace Flows.Kernels;

internal static partial class Conv2d
{
    /// <summary>Bytes of padded x and dy planes padded at a time (a block of images sits in L2 with the accumulators).</summary>
    private const int WeightGradientBlockBytes = 320 << 10;

    /// <summary>Image groups of the weight gradient: fixed, so the partial sums (and the bits) depend only on the batch size.</summary>
    private const int WeightGradientGroups = 8;

    /// <summary>
    /// dw[o, (ci, u, v)] = Σ_n Σ_t dyPadded[n, o, t] · xPadded[n, ci, t + offset(u, v)]: a grid of dot
    /// products along the span, DotRows×DotCols at a time, each kept as 16 lane-wise partial sums.
    /// A fixed number of image groups run in parallel; a group pads a few images at a time into L2
    /// scratch, walks every tile over them, then sums its lanes; groups are added in group order.
    /// The zero borders of dy make the discarded span positions contribute nothing.
    /// </summary>
    private static unsafe void WindowWeightGradient(ConvGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dw)
    {
        var layout = new PaddedPlanes(g);
        int k = g.PatchLength, co = g.OutChannels, ci = g.InChannels, slot = layout.Slot, length = g.WeightLength;
        int iTiles = (co + DotRows - 1) / DotRows, jTiles = (k + DotCols - 1) / DotCols, tiles = iTiles * jTiles;
        const int tileFloats = DotRows * DotCols * 16;
        int groups = Math.Min(g.Batch, WeightGradientGroups);
        int imagesPerBlock = Math.Max(1, WeightGradientBlockBytes / ((co + ci) * slot * sizeof(float)));
        float[] partial = ArrayPool<float>.Shared.Rent(groups * length);
        int[] offsets = ArrayPool<int>.Shared.Rent(k);
        try
        {
            for (int c = 0; c < ci; c++)
            {
                for (int u = 0; u < g.KernelHeight; u++)
                {
                    for (int v = 0; v < g.KernelWidth; v++)
                    {
                        offsets[(((c * g.KernelHeight) + u) * g.KernelWidth) + v] = (c * slot) + layout.SpanStart + layout.TapOffset(u, v);
                    }
                }
            }

            fixed (float* xSource = x, dySource = dy, partialBase = partial)
            fixed (int* offsetBase = offsets)
            {
                nint xa = (nint)xSource, dya = (nint)dySource, pa = (nint)partialBase, oa = (nint)offsetBase;
                Parallelism.For(groups, grp =>
                {
                    var (start, end) = Parallelism.ChunkRange(grp, groups, g.Batch);
                    int blockImages = Math.Min(imagesPerBlock, end - start);
                    float[] scratch = ArrayPool<float>.Shared.Rent((tiles * tileFloats) + (blockImages * (co + ci) * slot) + 48);
                    fixed (float* scratchBase = scratch)
                    {
                        float* acc = Align64(scratchBase);
                        float* dyp = Align64(acc + ((long)tiles * tileFloats));
                        float* xp = Align64(dyp + ((long)blockImages * co * slot));
                        new Span<float>(acc, tiles * tileFloats).Clear();
                        float** aRows = stackalloc float*[DotRows];
                        float** bRows = stackalloc float*[DotCols];
                        int vectors = layout.SpanLength / 16;
                        for (int n0 = start; n0 < end; n0 += blockImages)
                        {
                            int images = Math.Min(blockImages, end - n0);
                            layout.Pad((float*)dya + ((long)n0 * co * g.Plane), dyp, 0, images * co);
                            layout.Pad((float*)xa + ((long)n0 * ci * g.Plane), xp, 0, images * ci);
                            for (int tile = 0; tile < tiles; tile++)
                            {
                                int it = tile / jTiles, jt = tile % jTiles;

                                // Rows past the edge repeat the last real row; their sums are computed and ignored.
                                for (int r = 0; r < DotRows; r++)
                                {
                                    aRows[r] = dyp + layout.SpanStart + ((long)Math.Min((it * DotRows) + r, co - 1) * slot);
                                }

                                for (int c = 0; c < DotCols; c++)
                                {
                                    bRows[c] = xp + ((int*)oa)[Math.Min((jt * DotCols) + c, k - 1)];
                                }

                                Avx512DotTile4x6(images, vectors, (long)co * slot, (long)ci * slot, aRows, bRows,
                                    (Vector512<float>*)(acc + ((long)tile * tileFloats)));
                            }
                        }

                        float* sums = (float*)pa + ((long)grp * length);
                        for (int o = 0; o < co; o++)
                        {
                            for (int j = 0; j < k; j++)
                            {
                                int tile = ((o / DotRows) * jTiles) + (j / DotCols);
                                int lane = ((o % DotRows) * DotCols) + (j % DotCols);
                                sums[(o * k) + j] = Vector512.Sum(Vector512.Load(acc + ((long)tile * tileFloats) + (lane * 16)));
                            }
                        }
                    }

                    ArrayPool<float>.Shared.Return(scratch);
                });
            }

            partial.AsSpan(0, length).CopyTo(dw);
            for (int grp = 1; grp < groups; grp++)
            {
                System.Numerics.Tensors.TensorPrimitives.Add(dw[..length], partial.AsSpan(grp * length, length), dw[..length]);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(partial);
            ArrayPool<int>.Shared.Return(offsets);
        }
    }
}
