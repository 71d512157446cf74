using Flows.Autodiff;
using Flows.Kernels;

namespace Flows.NN;

/// <summary>
/// Stride-1, 'same'-padded convolution layer over NCHW input: weight [out, in, k, k], optional bias [out].
/// Kaiming-uniform init (bound 1/√(in·k·k)), or zeros.
/// </summary>
public sealed class Conv2dLayer : Module
{
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

    public int InChannels { get; }

    public int OutChannels { get; }

    public int KernelSize { get; }

    public Variable Weight { get; }

    public Variable? Bias { get; }

    public Variable Forward(Variable x) => Ops.Conv2d(x, Weight, Bias);
}
