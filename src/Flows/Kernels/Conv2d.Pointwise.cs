using System.Buffers;

namespace Flows.Kernels;

internal static partial class Conv2d
{
    /// <summary>Images per weight-gradient group: fixed, so the grouping (and the bits) depend only on the batch size.</summary>
    private const int PointwiseGroups = 8;

    /// <summary>
    /// 1×1 weight gradient dw = Σ_n dy_n·x_nᵀ as GEMMs whose depth runs over the pixels of a fixed
    /// group of images (packed straight from NCHW, no transposed copies); groups run in parallel and
    /// their partial sums are added in group order.
    /// </summary>
    private static unsafe void PointwiseWeightGradient(ConvGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dw)
    {
        int groups = Math.Min(g.Batch, PointwiseGroups), length = g.WeightLength, co = g.OutChannels, ci = g.InChannels, plane = g.Plane;
        float[] partial = ArrayPool<float>.Shared.Rent(groups * length);
        try
        {
            fixed (float* xp = x, dyp = dy, pp = partial)
            {
                nint xa = (nint)xp, dya = (nint)dyp, pa = (nint)pp;
                var path = Gemm.BestPath;
                Parallelism.For(groups, grp =>
                {
                    var (start, end) = Parallelism.ChunkRange(grp, groups, g.Batch);
                    var a = new ChannelRowsPanelA((float*)dya + ((long)start * co * plane), plane, (long)co * plane);
                    var b = new ChannelColumnsPanelB((float*)xa + ((long)start * ci * plane), plane, (long)ci * plane);
                    Gemm.Run(path, co, ci, (end - start) * plane, a, b, (float*)pa + ((long)grp * length), ci, accumulate: false, parallel: false);
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
        }
    }
}
