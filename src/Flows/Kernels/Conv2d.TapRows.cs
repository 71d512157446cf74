using System.Buffers;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Flows.Kernels;

internal static partial class Conv2d
{
    /// <summary>Fewest input channels for which a few-output convolution takes the tap-rows path.</summary>
    private const int TapRowsMinInChannels = 16;

    /// <summary>
    /// Whether <see cref="TapRowsConvolve"/> serves this forward pass: at most one micro-tile of output
    /// channels (where the window tiles feed each loaded vector to only a few FMAs), a kernel larger than
    /// 1×1, and enough input channels for the GEMM to dominate.
    /// </summary>
    private static bool UsesTapRows(ConvGeometry g)
        => g.OutChannels <= Gemm.Avx512MR && g.KernelHeight * g.KernelWidth > 1 && g.InChannels >= TapRowsMinInChannels;

    /// <summary>
    /// A convolution with few output channels (Glow's zero-initialised last layer: 128 → 4 or 8) as one GEMM
    /// with a row per (output channel, kernel tap), read in place from NCHW like a 1×1 convolution —
    /// Z[(o, tap), p] = Σ_c w[o, c, tap]·x[c, p], with full micro-tiles of rows — then each output channel
    /// is the sum of its taps' rows of Z, each shifted by its tap, with masked loads where the shift
    /// leaves the image ('same' zero padding). No bordered copy of the input, no gap columns. Per element,
    /// the channel sums run in the GEMM's order and the taps are added in order; images are independent,
    /// so results do not depend on the thread count.
    /// </summary>
    private static unsafe void TapRowsConvolve(ConvGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> w, Span<float> y)
    {
        const int mr = Gemm.Avx512MR;
        int co = g.OutChannels, ci = g.InChannels, taps = g.KernelHeight * g.KernelWidth, rows = co * taps, plane = g.Plane;
        int rowsPadded = (rows + mr - 1) / mr * mr;
        float[] reordered = ArrayPool<float>.Shared.Rent(rows * ci);
        float[] packed = ArrayPool<float>.Shared.Rent((rowsPadded * ci) + 16);
        int[] offsets = ArrayPool<int>.Shared.Rent(2 * ci);
        try
        {
            for (int o = 0; o < co; o++)
            {
                for (int c = 0; c < ci; c++)
                {
                    for (int t = 0; t < taps; t++)
                    {
                        reordered[(((o * taps) + t) * ci) + c] = w[(((o * ci) + c) * taps) + t];
                    }
                }
            }

            fixed (float* xSource = x, ySource = y, reorderedBase = reordered, packedBase = packed)
            fixed (int* offsetBase = offsets)
            {
                float* aPack = Align64(packedBase);
                PackWeightSlivers(reorderedBase, rows, ci, rowsPadded, aPack);

                for (int c = 0; c < ci; c++)
                {
                    offsetBase[c] = c * plane;
                    offsetBase[ci + c] = c * 32;
                }

                nint xa = (nint)xSource, aa = (nint)aPack, ya = (nint)ySource, oa = (nint)offsetBase;
                Parallelism.For(g.Batch, n =>
                {
                    // Z with a vector of slack on both sides: the shifted reads of masked-off lanes stay inside it.
                    float[] scratch = ArrayPool<float>.Shared.Rent((rows * plane) + 64);
                    try
                    {
                        fixed (float* scratchBase = scratch)
                        {
                            float* z = Align64(scratchBase) + 16;
                            DirectImage((float*)xa + ((long)n * ci * plane), z, (float*)aa, (int*)oa, ci, rows, rowsPadded, plane);
                            ShiftAddTaps(g, z, (float*)ya + ((long)n * co * plane));
                        }
                    }
                    finally
                    {
                        ArrayPool<float>.Shared.Return(scratch);
                    }
                });
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(reordered);
            ArrayPool<float>.Shared.Return(packed);
            ArrayPool<int>.Shared.Return(offsets);
        }
    }

    /// <summary>y[o, r, s] = Σ_(u, v) z[(o, u, v), r + u − padTop, s + v − padLeft] over the taps inside the image, in tap order.</summary>
    private static unsafe void ShiftAddTaps(ConvGeometry g, float* z, float* y)
    {
        int h = g.Height, width = g.Width, kh = g.KernelHeight, kw = g.KernelWidth, plane = g.Plane;
        var lane = Vector512<int>.Indices;
        for (int o = 0; o < g.OutChannels; o++)
        {
            float* zo = z + ((long)o * kh * kw * plane);
            float* yo = y + ((long)o * plane);
            for (int r = 0; r < h; r++)
            {
                for (int s0 = 0; s0 < width; s0 += 16)
                {
                    var columns = lane + Vector512.Create(s0);
                    var inRow = Vector512.LessThan(columns, Vector512.Create(width));
                    var acc = Vector512<float>.Zero;
                    for (int u = 0; u < kh; u++)
                    {
                        int rr = r + u - g.PadTop;
                        if ((uint)rr >= (uint)h)
                        {
                            continue;
                        }

                        for (int v = 0; v < kw; v++)
                        {
                            int dv = v - g.PadLeft;
                            var source = columns + Vector512.Create(dv);
                            var mask = (inRow & Vector512.GreaterThanOrEqual(source, Vector512<int>.Zero) & Vector512.LessThan(source, Vector512.Create(width))).AsSingle();
                            float* row = zo + ((long)((u * kw) + v) * plane) + (rr * width) + s0 + dv;
                            acc += Avx512F.MaskLoad(row, mask, Vector512<float>.Zero);
                        }
                    }

                    Avx512F.MaskStore(yo + (r * width) + s0, inRow.AsSingle(), acc);
                }
            }
        }
    }
}
