using Flows.Autodiff;
using Flows.Kernels;

namespace Flows.NN;

/// <summary>
/// A stride-1, 'same'-padded convolution with weight normalisation (Salimans and Kingma 2016), as RealNVP's
/// ResNet conditioners use: weight[o] = gain[o]·direction[o]/‖direction[o]‖ (norm over in·k·k), plus an
/// optional bias. The direction starts Kaiming-uniform (bound 1/√(in·k·k)) and the gain at its norm, so the
/// initial weight equals the direction. Parameters "direction" [out, in, k, k], "gain" [out], "bias" [out].
/// </summary>
public sealed class WeightNormConv2dLayer : Module
{
    private static readonly int[] NormAxes = [1, 2, 3];

    /// <summary>A weight-normalised convolution from <paramref name="inChannels"/> to <paramref name="outChannels"/> channels.</summary>
    /// <param name="inChannels">Input channels.</param>
    /// <param name="outChannels">Output channels.</param>
    /// <param name="kernelSize">Side k of the kernel; odd.</param>
    /// <param name="rng">Source of the initial direction and bias.</param>
    /// <param name="bias">Whether the layer has a bias.</param>
    /// <exception cref="ArgumentOutOfRangeException">A channel count is less than 1 or the kernel size is not a positive odd number.</exception>
    public WeightNormConv2dLayer(int inChannels, int outChannels, int kernelSize, Rng rng, bool bias = true)
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
        int fan = inChannels * kernelSize * kernelSize;
        float bound = 1f / MathF.Sqrt(fan);
        var v = Tensor.Uninitialized(outChannels, inChannels, kernelSize, kernelSize);
        rng.FillUniform(v.Span, -bound, bound);
        var g = Tensor.Uninitialized(outChannels);
        for (int o = 0; o < outChannels; o++)
        {
            double s = 0;
            foreach (float w in v.Span.Slice(o * fan, fan))
            {
                s += (double)w * w;
            }

            g.Span[o] = (float)Math.Sqrt(s);
        }

        Direction = AddParameter("direction", v);
        Gain = AddParameter("gain", g);
        if (bias)
        {
            var b = Tensor.Uninitialized(outChannels);
            rng.FillUniform(b.Span, -bound, bound);
            Bias = AddParameter("bias", b);
        }
    }

    /// <summary>Input channels.</summary>
    public int InChannels { get; }

    /// <summary>Output channels.</summary>
    public int OutChannels { get; }

    /// <summary>Side k of the square kernel.</summary>
    public int KernelSize { get; }

    /// <summary>The unnormalised kernel "direction" [out, in, k, k].</summary>
    public Variable Direction { get; }

    /// <summary>The per-output-channel norm "gain" [out] of the effective weight.</summary>
    public Variable Gain { get; }

    /// <summary>The bias "bias" [out], or null when built without one.</summary>
    public Variable? Bias { get; }

    /// <summary>The effective weight gain·direction/‖direction‖, differentiable in both.</summary>
    public Variable Weight()
    {
        var norm = Ops.Sqrt(Ops.Sum(Ops.Square(Direction), NormAxes, keepDims: true));
        var factor = Ops.Div(Ops.Reshape(Gain, OutChannels, 1, 1, 1), norm);
        return Ops.Mul(Direction, factor);
    }

    /// <summary>The convolution of <paramref name="x"/> [N, in, H, W] with <see cref="Weight"/>, giving [N, out, H, W].</summary>
    public Variable Forward(Variable x) => Ops.Conv2d(x, Weight(), Bias);
}
