using System.Runtime.Intrinsics.X86;

namespace Flows.Kernels;

/// <summary>
/// Stride-1, 'same'-padded 2-D convolution over NCHW float32 data with odd kernels: forward,
/// input gradient and weight gradient.
/// <para>
/// With AVX-512 every image is copied once into zero-bordered planes (<see cref="PaddedPlanes"/>),
/// so that each kernel tap is a plain shift of a contiguous run: the forward pass and the input
/// gradient are GEMMs whose B rows are read straight from shifted windows (no im2col matrix), and the
/// weight gradient is a tile of dot products along the pixels, accumulated lane-wise over all images.
/// Forward passes with a 1×1 kernel, or many output channels and a small depth, skip the bordered
/// copy and write NCHW in place (<see cref="DirectConvolve"/>, same bits); those with few outputs and
/// many inputs run as one GEMM per tap row (<see cref="TapRowsConvolve"/>). Without AVX-512 the
/// im2col path runs instead. Work is split into pieces fixed by the problem size and every sum runs
/// in a fixed order, so results do not depend on the thread count.
/// </para>
/// </summary>
internal static partial class Conv2d
{
    /// <summary>y[n, o] = Σ_ci w[o, ci] ⋆ x[n, ci]; y is overwritten.</summary>
    public static void Forward(ConvGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> w, Span<float> y)
        => Forward(BestPath, g, x, w, y);

    /// <summary>dx = conv-transpose of dy with w; dx is overwritten.</summary>
    public static void BackwardInput(ConvGeometry g, ReadOnlySpan<float> dy, ReadOnlySpan<float> w, Span<float> dx)
        => BackwardInput(BestPath, g, dy, w, dx);

    /// <summary>dw = Σ_n dy[n] ⊗ patches(x[n]); dw is overwritten.</summary>
    public static void BackwardWeight(ConvGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dw)
        => BackwardWeight(BestPath, g, x, dy, dw);

    internal static ConvPath BestPath { get; } = Avx512F.IsSupported ? ConvPath.Window : ConvPath.Im2col;

    internal static bool IsSupported(ConvPath path) => path == ConvPath.Im2col || Avx512F.IsSupported;

    /// <summary>Both AVX-512 paths: the window kernels, with or without direct tiles.</summary>
    private static bool IsWindow(ConvPath path) => path is ConvPath.Window or ConvPath.WindowSpans;

    internal static void Forward(ConvPath path, ConvGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> w, Span<float> y)
    {
        g.Validate(x.Length, w.Length, y.Length);
        if (g.Batch == 0)
        {
            return;
        }

        if (IsWindow(path))
        {
            WindowConvolve(g, x, w, y, allowDirect: path == ConvPath.Window);
        }
        else
        {
            ForwardIm2col(g, x, w, y);
        }
    }

    internal static void BackwardInput(ConvPath path, ConvGeometry g, ReadOnlySpan<float> dy, ReadOnlySpan<float> w, Span<float> dx)
    {
        g.Validate(dx.Length, w.Length, dy.Length);
        if (g.Batch == 0)
        {
            return;
        }

        if (!IsWindow(path))
        {
            BackwardInputIm2col(g, dy, w, dx);
            return;
        }

        // dx is the forward convolution of dy with w'[ci, o, u, v] = w[o, ci, kh−1−u, kw−1−v]
        // (odd kernels: the flipped tap lands on the same 'same' padding).
        int taps = g.KernelHeight * g.KernelWidth;
        float[] flipped = System.Buffers.ArrayPool<float>.Shared.Rent(g.WeightLength);
        try
        {
            for (int o = 0; o < g.OutChannels; o++)
            {
                for (int ci = 0; ci < g.InChannels; ci++)
                {
                    var src = w.Slice(((o * g.InChannels) + ci) * taps, taps);
                    var dst = flipped.AsSpan(((ci * g.OutChannels) + o) * taps, taps);
                    for (int t = 0; t < taps; t++)
                    {
                        dst[t] = src[taps - 1 - t];
                    }
                }
            }

            var transposed = g with { InChannels = g.OutChannels, OutChannels = g.InChannels };
            WindowConvolve(transposed, dy, flipped.AsSpan(0, g.WeightLength), dx, allowDirect: path == ConvPath.Window);
        }
        finally
        {
            System.Buffers.ArrayPool<float>.Shared.Return(flipped);
        }
    }

    internal static void BackwardWeight(ConvPath path, ConvGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dw)
    {
        g.Validate(x.Length, dw.Length, dy.Length);
        if (g.Batch == 0)
        {
            dw[..g.WeightLength].Clear();
            return;
        }

        if (IsWindow(path))
        {
            if (g.KernelHeight == 1 && g.KernelWidth == 1)
            {
                PointwiseWeightGradient(g, x, dy, dw);
            }
            else
            {
                WindowWeightGradient(g, x, dy, dw);
            }
        }
        else
        {
            BackwardWeightIm2col(g, x, dy, dw);
        }
    }
}

/// <summary>Convolution implementations.</summary>
internal enum ConvPath
{
    /// <summary>Unfolded patches and <see cref="Gemm"/> (any machine).</summary>
    Im2col,

    /// <summary>AVX-512 window kernels; forward passes that fit direct tiles or tap rows run in place on NCHW (the default).</summary>
    Window,

    /// <summary>AVX-512 window kernels, always over zero-bordered spans (what <see cref="Window"/> did before direct tiles and tap rows; kept to check them).</summary>
    WindowSpans,
}
