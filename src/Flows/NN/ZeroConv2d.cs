using Flows.Autodiff;

namespace Flows.NN;

/// <summary>
/// Glow's zero-initialised output convolution: y = (conv(x, W) + b) · exp(3·s) per output channel,
/// 'same' padding. W, b and s start at zero, so a freshly built coupling is the identity and a fresh
/// split prior is N(0, I) (Glow, Kingma and Dhariwal 2018, §3.3). Parameters: weight, bias, scale.
/// </summary>
public sealed class ZeroConv2d : Module
{
    /// <summary>A zero-initialised convolution from <paramref name="inChannels"/> to <paramref name="outChannels"/> channels with an odd <paramref name="kernelSize"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A channel count is less than 1 or the kernel size is not a positive odd number.</exception>
    public ZeroConv2d(int inChannels, int outChannels, int kernelSize = 3)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inChannels, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outChannels, 1);
        if (kernelSize < 1 || kernelSize % 2 == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(kernelSize), kernelSize, "Kernel size must be odd ('same' padding).");
        }

        Weight = AddParameter("weight", Tensor.Zeros(outChannels, inChannels, kernelSize, kernelSize));
        Bias = AddParameter("bias", Tensor.Zeros(outChannels));
        Scale = AddParameter("scale", Tensor.Zeros(outChannels));
    }

    /// <summary>The kernel "weight" [out, in, k, k], initially zero.</summary>
    public Variable Weight { get; }

    /// <summary>The bias "bias" [out], initially zero.</summary>
    public Variable Bias { get; }

    /// <summary>The log-scale s in units of 1/3 (the output is multiplied by exp(3·s)).</summary>
    public Variable Scale { get; }

    /// <summary>(conv(x, W) + b)·exp(3·s) for <paramref name="x"/> [N, in, H, W], giving [N, out, H, W].</summary>
    public Variable Forward(Variable x) => Apply(x, Weight, Bias, Scale);

    /// <summary>(conv(x, weight) + bias) · exp(3·scale), for modules that own these parameters under their own names.</summary>
    internal static Variable Apply(Variable x, Variable weight, Variable bias, Variable scale)
        => Ops.ScaledConv2d(x, weight, bias, scale, 3f);
}
