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

    public int InChannels { get; }

    public int OutChannels { get; }

    public int KernelSize { get; }

    public Variable Direction { get; }

    public Variable Gain { get; }

    public Variable? Bias { get; }

    /// <summary>The effective weight gain·direction/‖direction‖, differentiable in both.</summary>
    public Variable Weight()
    {
        var norm = Ops.Sqrt(Ops.Sum(Ops.Square(Direction), NormAxes, keepDims: true));
        var factor = Ops.Div(Ops.Reshape(Gain, OutChannels, 1, 1, 1), norm);
        return Ops.Mul(Direction, factor);
    }

    public Variable Forward(Variable x) => Ops.Conv2d(x, Weight(), Bias);
}
