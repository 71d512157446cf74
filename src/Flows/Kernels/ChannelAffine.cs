using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Flows.Kernels;

/// <summary>
/// The per-channel affine map of ActNorm, optionally followed by a ReLU, on x laid out [N, C, inner]:
/// y = (x + loc[c])·scale[c] (then max(y, 0)), and its backward. Fusing the two saves two full passes over
/// the activations and the broadcast reductions a composition of Add, Mul, Exp and Relu would make.
/// Work is split over samples in chunks fixed by the problem size, and per-channel partial sums are
/// reduced in chunk order, so results are bitwise identical for any thread count.
/// </summary>
internal static class ChannelAffine
{
    private const long Grain = 16 * 1024;

    /// <summary>y = (x + loc[c])·scale[c], then max(·, 0) when <paramref name="relu"/>. y may alias x.</summary>
    public static void Forward(ReadOnlySpan<float> x, int n, int channels, int inner, ReadOnlySpan<float> loc, ReadOnlySpan<float> scale, Span<float> y, bool relu)
    {
        CheckShapes(x.Length, n, channels, inner, loc.Length, scale.Length, y.Length);
        for (int plane = 0; plane < n * channels; plane++)
        {
            ForwardPlane(x.Slice(plane * inner, inner), loc[plane % channels], scale[plane % channels], y.Slice(plane * inner, inner), relu);
        }
    }

    /// <summary><see cref="Forward(ReadOnlySpan{float}, int, int, int, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, bool)"/> on arrays (at least N·C·inner long), on up to <see cref="Parallelism.Threads"/> threads.</summary>
    public static void ForwardParallel(float[] x, int n, int channels, int inner, float[] loc, float[] scale, float[] y, bool relu)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(loc);
        ArgumentNullException.ThrowIfNull(scale);
        ArgumentNullException.ThrowIfNull(y);
        int total = n * channels * inner;
        CheckShapes(total, n, channels, inner, loc.Length, scale.Length, total);
        CheckStorage(total, x.Length, y.Length);
        int chunks = Math.Min(Parallelism.ChunkCount(total, Grain), n);
        Parallelism.For(chunks, chunk =>
        {
            var (s0, s1) = Parallelism.ChunkRange(chunk, chunks, n);
            for (int plane = s0 * channels; plane < s1 * channels; plane++)
            {
                int c = plane % channels;
                ForwardPlane(x.AsSpan(plane * inner, inner), loc[c], scale[c], y.AsSpan(plane * inner, inner), relu);
            }
        });
    }

    /// <summary>
    /// The backward from the output y and its gradient g: with g' = g masked to y &gt; 0 under ReLU (else g),
    /// gx = g'·scale[c], gLoc[c] = scale[c]·Σ g', gLogScale[c] = Σ g'·y (the gradient with respect to
    /// ln scale, since ∂y/∂ln scale = y). gx may alias g. Sums are taken per (sample, channel) plane in
    /// float and accumulated in double in sample order.
    /// </summary>
    public static void Backward(ReadOnlySpan<float> y, ReadOnlySpan<float> g, int n, int channels, int inner, ReadOnlySpan<float> scale, bool relu, Span<float> gx, Span<double> gLoc, Span<double> gLogScale)
    {
        CheckShapes(y.Length, n, channels, inner, gLoc.Length, scale.Length, gx.Length);
        if (g.Length != y.Length || gLogScale.Length != channels)
        {
            throw new ArgumentException($"Backward needs g of {y.Length} and {channels} log-scale sums, got {g.Length} and {gLogScale.Length}.");
        }

        gLoc.Clear();
        gLogScale.Clear();
        for (int plane = 0; plane < n * channels; plane++)
        {
            int c = plane % channels;
            var (sum, dot) = BackwardPlane(y.Slice(plane * inner, inner), g.Slice(plane * inner, inner), scale[c], relu, gx.Slice(plane * inner, inner));
            gLoc[c] += sum;
            gLogScale[c] += dot;
        }

        for (int c = 0; c < channels; c++)
        {
            gLoc[c] *= scale[c];
        }
    }

    /// <summary>The backward on arrays (at least N·C·inner long), on up to <see cref="Parallelism.Threads"/> threads; the same bits as the serial one for any thread count.</summary>
    public static void BackwardParallel(float[] y, float[] g, int n, int channels, int inner, float[] scale, bool relu, float[] gx, double[] gLoc, double[] gLogScale)
    {
        ArgumentNullException.ThrowIfNull(y);
        ArgumentNullException.ThrowIfNull(g);
        ArgumentNullException.ThrowIfNull(scale);
        ArgumentNullException.ThrowIfNull(gx);
        ArgumentNullException.ThrowIfNull(gLoc);
        ArgumentNullException.ThrowIfNull(gLogScale);
        int total = n * channels * inner;
        CheckShapes(total, n, channels, inner, gLoc.Length, scale.Length, total);
        CheckStorage(total, y.Length, g.Length);
        CheckStorage(total, gx.Length, gx.Length);
        int chunks = Math.Min(Parallelism.ChunkCount(total, Grain), n);
        if (chunks <= 1)
        {
            Backward(y.AsSpan(0, total), g.AsSpan(0, total), n, channels, inner, scale, relu, gx.AsSpan(0, total), gLoc, gLogScale);
            return;
        }

        // Per-plane sums, then reduced per channel in sample order: the same order as the serial loop.
        var planeSums = new double[2 * n * channels];
        Parallelism.For(chunks, chunk =>
        {
            var (s0, s1) = Parallelism.ChunkRange(chunk, chunks, n);
            for (int plane = s0 * channels; plane < s1 * channels; plane++)
            {
                var (sum, dot) = BackwardPlane(y.AsSpan(plane * inner, inner), g.AsSpan(plane * inner, inner), scale[plane % channels], relu, gx.AsSpan(plane * inner, inner));
                planeSums[2 * plane] = sum;
                planeSums[(2 * plane) + 1] = dot;
            }
        });

        Array.Clear(gLoc);
        Array.Clear(gLogScale);
        for (int plane = 0; plane < n * channels; plane++)
        {
            int c = plane % channels;
            gLoc[c] += planeSums[2 * plane];
            gLogScale[c] += planeSums[(2 * plane) + 1];
        }

        for (int c = 0; c < channels; c++)
        {
            gLoc[c] *= scale[c];
        }
    }

    /// <summary>The plain scalar twin of the forward, element by element, for tests.</summary>
    public static void ForwardScalar(ReadOnlySpan<float> x, int n, int channels, int inner, ReadOnlySpan<float> loc, ReadOnlySpan<float> scale, Span<float> y, bool relu)
    {
        for (int i = 0; i < n * channels * inner; i++)
        {
            int c = i / inner % channels;
            float v = (x[i] + loc[c]) * scale[c];
            y[i] = relu && !(v > 0f) ? 0f : v;
        }
    }

    /// <summary>The plain scalar twin of the backward (sums in double, element by element), for tests.</summary>
    public static void BackwardScalar(ReadOnlySpan<float> y, ReadOnlySpan<float> g, int n, int channels, int inner, ReadOnlySpan<float> scale, bool relu, Span<float> gx, Span<double> gLoc, Span<double> gLogScale)
    {
        gLoc.Clear();
        gLogScale.Clear();
        for (int i = 0; i < n * channels * inner; i++)
        {
            int c = i / inner % channels;
            float gi = relu && !(y[i] > 0f) ? 0f : g[i];
            gLoc[c] += gi;
            gLogScale[c] += (double)gi * y[i];
            gx[i] = gi * scale[c];
        }

        for (int c = 0; c < channels; c++)
        {
            gLoc[c] *= scale[c];
        }
    }

    /// <summary>
    /// One plane in one pass: each element is loaded once, (x + loc)·scale then max(·, 0) in registers, as
    /// the same float operations the three whole-plane primitives made (bit-identical to them), without
    /// their per-call overhead on planes of a few hundred floats.
    /// </summary>
    private static void ForwardPlane(ReadOnlySpan<float> x, float loc, float scale, Span<float> y, bool relu)
    {
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float yr = ref MemoryMarshal.GetReference(y);
        int length = x.Length, i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<float> l = Vector512.Create(loc), s = Vector512.Create(scale), zero = Vector512<float>.Zero;
            for (; i <= length - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                var v = (Vector512.LoadUnsafe(ref xr, (nuint)i) + l) * s;
                if (relu)
                {
                    v = Vector512.Max(v, zero);
                }

                v.StoreUnsafe(ref yr, (nuint)i);
            }
        }

        for (; i < length; i++)
        {
            float v = (Unsafe.Add(ref xr, i) + loc) * scale;
            Unsafe.Add(ref yr, i) = relu ? MathF.Max(v, 0f) : v;
        }
    }

    /// <summary>
    /// One plane of the backward in one pass: g' (masked where y ≤ 0 under ReLU), its sum and its dot with
    /// y accumulated lane-wise in float (then the lanes summed in a fixed order, then the tail), and
    /// gx = g'·scale written in place. gx may alias g: each element is read before it is written.
    /// </summary>
    private static (double Sum, double Dot) BackwardPlane(ReadOnlySpan<float> y, ReadOnlySpan<float> g, float scale, bool relu, Span<float> gx)
    {
        ref float yr = ref MemoryMarshal.GetReference(y);
        ref float gr = ref MemoryMarshal.GetReference(g);
        ref float xr = ref MemoryMarshal.GetReference(gx);
        int length = y.Length, i = 0;
        float sum = 0f, dot = 0f;
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<float> s = Vector512.Create(scale), zero = Vector512<float>.Zero, sums = zero, dots = zero;
            for (; i <= length - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                var yv = Vector512.LoadUnsafe(ref yr, (nuint)i);
                var gv = Vector512.LoadUnsafe(ref gr, (nuint)i);
                if (relu)
                {
                    gv = Vector512.ConditionalSelect(Vector512.GreaterThan(yv, zero), gv, zero);
                }

                sums += gv;
                dots = Vector512.FusedMultiplyAdd(gv, yv, dots);
                (gv * s).StoreUnsafe(ref xr, (nuint)i);
            }

            sum = Vector512.Sum(sums);
            dot = Vector512.Sum(dots);
        }

        for (; i < length; i++)
        {
            float yi = Unsafe.Add(ref yr, i);
            float gi = relu && !(yi > 0f) ? 0f : Unsafe.Add(ref gr, i);
            sum += gi;
            dot = MathF.FusedMultiplyAdd(gi, yi, dot);
            Unsafe.Add(ref xr, i) = gi * scale;
        }

        return (sum, dot);
    }

    private static void CheckStorage(int total, int first, int second)
    {
        if (first < total || second < total)
        {
            throw new ArgumentException($"ChannelAffine needs arrays of at least {total} elements, got {first} and {second}.");
        }
    }

    private static void CheckShapes(int length, int n, int channels, int inner, int locLength, int scaleLength, int outLength)
    {
        if (n < 0 || channels < 1 || inner < 0 || (long)n * channels * inner != length || outLength != length || locLength != channels || scaleLength != channels)
        {
            throw new ArgumentException($"ChannelAffine needs x of N·C·inner = {n}·{channels}·{inner} elements and {channels} per-channel values, got {length} elements, {locLength} and {scaleLength} values, output {outLength}.");
        }
    }
}
