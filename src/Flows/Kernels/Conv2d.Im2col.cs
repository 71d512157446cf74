using System.Buffers;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Flows.Kernels;

/// <summary>
/// The portable path (machines without AVX-512): unfold patches (im2col) per image and call
/// <see cref="Gemm"/>. Work is split by image; the weight gradient sums fixed groups of images in a
/// fixed order, so results do not depend on the thread count.
/// </summary>
internal static partial class Conv2d
{
    internal static void ForwardIm2col(ConvGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> w, Span<float> y)
    {
        unsafe
        {
            fixed (float* xp = x, wp = w, yp = y)
            {
                nint xa = (nint)xp, wa = (nint)wp, ya = (nint)yp;
                Parallelism.For(g.Batch, n =>
                {
                    var xi = new ReadOnlySpan<float>((float*)xa + ((long)n * g.InChannels * g.Plane), g.InChannels * g.Plane);
                    var yi = new Span<float>((float*)ya + ((long)n * g.OutChannels * g.Plane), g.OutChannels * g.Plane);
                    var wv = new ReadOnlySpan<float>((float*)wa, g.WeightLength);
                    if (IsPointwise(g))
                    {
                        Gemm.MultiplySerial(false, false, g.OutChannels, g.Plane, g.InChannels, wv, g.InChannels, xi, g.Plane, yi, g.Plane, accumulate: false);
                        return;
                    }

                    float[] col = ArrayPool<float>.Shared.Rent(g.PatchLength * g.Plane);
                    Unfold(g, xi, col);
                    Gemm.MultiplySerial(false, false, g.OutChannels, g.Plane, g.PatchLength, wv, g.PatchLength, col, g.Plane, yi, g.Plane, accumulate: false);
                    ArrayPool<float>.Shared.Return(col);
                });
            }
        }
    }

    internal static void BackwardInputIm2col(ConvGeometry g, ReadOnlySpan<float> dy, ReadOnlySpan<float> w, Span<float> dx)
    {
        unsafe
        {
            fixed (float* dyp = dy, wp = w, dxp = dx)
            {
                nint dya = (nint)dyp, wa = (nint)wp, dxa = (nint)dxp;
                Parallelism.For(g.Batch, n =>
                {
                    var dyi = new ReadOnlySpan<float>((float*)dya + ((long)n * g.OutChannels * g.Plane), g.OutChannels * g.Plane);
                    var dxi = new Span<float>((float*)dxa + ((long)n * g.InChannels * g.Plane), g.InChannels * g.Plane);
                    var wv = new ReadOnlySpan<float>((float*)wa, g.WeightLength);
                    if (IsPointwise(g))
                    {
                        Gemm.MultiplySerial(true, false, g.InChannels, g.Plane, g.OutChannels, wv, g.InChannels, dyi, g.Plane, dxi, g.Plane, accumulate: false);
                        return;
                    }

                    float[] col = ArrayPool<float>.Shared.Rent(g.PatchLength * g.Plane);
                    Gemm.MultiplySerial(true, false, g.PatchLength, g.Plane, g.OutChannels, wv, g.PatchLength, dyi, g.Plane, col, g.Plane, accumulate: false);
                    Fold(g, col, dxi);
                    ArrayPool<float>.Shared.Return(col);
                });
            }
        }
    }

    internal static void BackwardWeightIm2col(ConvGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dw)
    {
        int groups = Math.Max(1, Math.Min(g.Batch, 8));
        float[] partial = ArrayPool<float>.Shared.Rent(groups * g.WeightLength);
        unsafe
        {
            fixed (float* xp = x, dyp = dy)
            {
                nint xa = (nint)xp, dya = (nint)dyp;
                Parallelism.For(groups, grp =>
                {
                    var (start, end) = Parallelism.ChunkRange(grp, groups, g.Batch);
                    var acc = partial.AsSpan(grp * g.WeightLength, g.WeightLength);
                    acc.Clear();
                    float[]? col = IsPointwise(g) ? null : ArrayPool<float>.Shared.Rent(g.PatchLength * g.Plane);
                    for (int n = start; n < end; n++)
                    {
                        var xi = new ReadOnlySpan<float>((float*)xa + ((long)n * g.InChannels * g.Plane), g.InChannels * g.Plane);
                        var dyi = new ReadOnlySpan<float>((float*)dya + ((long)n * g.OutChannels * g.Plane), g.OutChannels * g.Plane);
                        if (col is null)
                        {
                            Gemm.MultiplySerial(false, true, g.OutChannels, g.InChannels, g.Plane, dyi, g.Plane, xi, g.Plane, acc, g.InChannels, accumulate: true);
                        }
                        else
                        {
                            Unfold(g, xi, col);
                            Gemm.MultiplySerial(false, true, g.OutChannels, g.PatchLength, g.Plane, dyi, g.Plane, col, g.Plane, acc, g.PatchLength, accumulate: true);
                        }
                    }

                    if (col is not null)
                    {
                        ArrayPool<float>.Shared.Return(col);
                    }
                });
            }
        }

        partial.AsSpan(0, g.WeightLength).CopyTo(dw);
        for (int grp = 1; grp < groups; grp++)
        {
            System.Numerics.Tensors.TensorPrimitives.Add(dw[..g.WeightLength], partial.AsSpan(grp * g.WeightLength, g.WeightLength), dw[..g.WeightLength]);
        }

        ArrayPool<float>.Shared.Return(partial);
    }

    private static bool IsPointwise(ConvGeometry g) => g.KernelHeight == 1 && g.KernelWidth == 1;

    /// <summary>col[(ci, u, v), (r, s)] = x[ci, r + u − pad, s + v − pad] or 0 outside.</summary>
    internal static void Unfold(ConvGeometry g, ReadOnlySpan<float> x, Span<float> col)
    {
        if (Avx512F.IsSupported && x.Length >= g.InChannels * g.Plane && col.Length >= g.PatchLength * g.Plane)
        {
            unsafe
            {
                fixed (float* xp = x, cp = col)
                {
                    UnfoldMasked(g, xp, cp);
                }
            }

            return;
        }

        int h = g.Height, w = g.Width;
        for (int ci = 0; ci < g.InChannels; ci++)
        {
            var plane = x.Slice(ci * h * w, h * w);
            for (int u = 0; u < g.KernelHeight; u++)
            {
                for (int v = 0; v < g.KernelWidth; v++)
                {
                    var dst = col.Slice(((((ci * g.KernelHeight) + u) * g.KernelWidth) + v) * h * w, h * w);
                    int dr = u - g.PadTop, ds = v - g.PadLeft;
                    int sLo = Math.Max(0, -ds), sHi = Math.Min(w, w - ds);
                    for (int r = 0; r < h; r++)
                    {
                        var dstRow = dst.Slice(r * w, w);
                        int rr = r + dr;
                        if ((uint)rr >= (uint)h || sLo >= sHi)
                        {
                            dstRow.Clear();
                            continue;
                        }

                        dstRow[..sLo].Clear();
                        plane.Slice((rr * w) + sLo + ds, sHi - sLo).CopyTo(dstRow[sLo..sHi]);
                        dstRow[sHi..].Clear();
                    }
                }
            }
        }
    }

    /// <summary>The adjoint of <see cref="Unfold"/>: x[ci, r + u − pad, s + v − pad] += col[(ci, u, v), (r, s)].</summary>
    internal static void Fold(ConvGeometry g, ReadOnlySpan<float> col, Span<float> x)
    {
        int h = g.Height, w = g.Width;
        x[..(g.InChannels * h * w)].Clear();
        for (int ci = 0; ci < g.InChannels; ci++)
        {
            var plane = x.Slice(ci * h * w, h * w);
            for (int u = 0; u < g.KernelHeight; u++)
            {
                for (int v = 0; v < g.KernelWidth; v++)
                {
                    var src = col.Slice(((((ci * g.KernelHeight) + u) * g.KernelWidth) + v) * h * w, h * w);
                    int dr = u - g.PadTop, ds = v - g.PadLeft;
                    int sLo = Math.Max(0, -ds), sHi = Math.Min(w, w - ds);
                    if (sLo >= sHi)
                    {
                        continue;
                    }

                    for (int r = 0; r < h; r++)
                    {
                        int rr = r + dr;
                        if ((uint)rr >= (uint)h)
                        {
                            continue;
                        }

                        var dstRow = plane.Slice((rr * w) + sLo + ds, sHi - sLo);
                        System.Numerics.Tensors.TensorPrimitives.Add(dstRow, src.Slice((r * w) + sLo, sHi - sLo), dstRow);
                    }
                }
            }
        }
    }

    /// <summary>
    /// <see cref="Unfold"/> with masked vector loads and stores, 16 columns at a time: a shifted row whose
    /// source columns leave the image reads zeros there (masked-off lanes neither load nor fault), so each
    /// output row is one or two instructions instead of a clear and a copy call. The same values.
    /// </summary>
    private static unsafe void UnfoldMasked(ConvGeometry g, float* x, float* col)
    {
        int h = g.Height, w = g.Width, plane = h * w;
        var lanes = Vector512<int>.Indices;
        var width = Vector512.Create(w);
        var zero = Vector512<float>.Zero;
        for (int ci = 0; ci < g.InChannels; ci++)
        {
            float* src = x + ((long)ci * plane);
            for (int u = 0; u < g.KernelHeight; u++)
            {
                for (int v = 0; v < g.KernelWidth; v++)
                {
                    float* dst = col + ((long)((((ci * g.KernelHeight) + u) * g.KernelWidth) + v) * plane);
                    int dr = u - g.PadTop, ds = v - g.PadLeft;
                    for (int s0 = 0; s0 < w; s0 += 16)
                    {
                        var columns = lanes + Vector512.Create(s0);
                        var inRow = Vector512.LessThan(columns, width);
                        var shifted = columns + Vector512.Create(ds);
                        var valid = (inRow & Vector512.GreaterThanOrEqual(shifted, Vector512<int>.Zero)
                            & Vector512.LessThan(shifted, width)).AsSingle();
                        var store = inRow.AsSingle();
                        for (int r = 0; r < h; r++)
                        {
                            int rr = r + dr;
                            var values = (uint)rr < (uint)h
                                ? Avx512F.MaskLoad(src + (rr * w) + s0 + ds, valid, zero)
                                : zero;
                            Avx512F.MaskStore(dst + (r * w) + s0, store, values);
                        }
                    }
                }
            }
        }
    }
}
