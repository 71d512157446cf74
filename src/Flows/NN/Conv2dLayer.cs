using Flows.Autodiff;
using Flows.Kernels;

namespace Flows.NN;

/// <summary>
/// Stride-1, 'same'-padded convolution layer over NCHW input: weight [out, in, k, k], optional bias [out].
/// Kaiming-uniform init (bound 1/√(in·k·k)), or zeros.
/// </summary>
public sealed class Conv2dLayer : Module
{
    /// <summary>A convolution from <paramref name="inChannels"/> to <paramref name="outChannels"/> channels with a square kernel.</summary>
    /// <param name="inChannels">Input channels.</param>
    /// <param name="outChannels">Output channels.</param>
    /// <param name="kernelSize">Side k of the kernel; odd.</param>
    /// <param name="rng">Source of the initial weights.</param>
    /// <param name="bias">Whether the layer has a bias.</param>
    /// <param name="zeroInit">Start weight and bias at zero instead of Kaiming-uniform.</param>
    /// <exception cref="ArgumentOutOfRangeException">A channel count is less than 1 or the kernel size is not a positive odd number.</exception>
    public Conv2dLayer(int inChannels, int outChannels, int kernelSize, Rng rng, bool bias = true, bool zeroInit = false)
    {
        ArgumentNullException.ThrowIfNull(rng);
        ArgumentOutOfRangeException.ThrowIfLessThan(inChannels, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outChannels, 1);
        if (kernelSize < 1 || kernelSize % 2 == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(kernelSize), kernelSize, "Kernel size must be odd ('same' padding).");
        }

        InChannels = inChannels;
        OutChannels = outChannels;
        KernelSize = kernelSize;
        var w = Tensor.Zeros(outChannels, inChannels, kernelSize, kernelSize);
        float bound = 1f / MathF.Sqrt(inChannels * kernelSize * kernelSize);
        if (!zeroInit)
        {
            rng.FillUniform(w.Span, -bound, bound);
        }

        Weight = AddParameter("weight", w);
        if (bias)
        {
            var b = Tensor.Zeros(outChannels);
            if (!zeroInit)
            {
                rng.FillUniform(b.Span, -bound, bound);
            }

            Bias = AddParameter("bias", b);
        }
    }

    /// <summary>Input channels.</summary>
    public int InChannels { get; }

    /// <summary>Output channels.</summary>
    public int OutChannels { get; }

    /// <summary>Side k of the square kernel.</summary>
    public int KernelSize { get; }

    /// <summary>The kernel "weight" [out, in, k, k].</summary>
    public Variable Weight { get; }

    /// <summary>The bias "bias" [out], or null when built without one.</summary>
    public Variable? Bias { get; }

    /// <summary>The convolution of <paramref name="x"/> [N, in, H, W], giving [N, out, H, W].</summary>
    public Variable Forward(Variable x) => Ops.Conv2d(x, Weight, Bias);
}
