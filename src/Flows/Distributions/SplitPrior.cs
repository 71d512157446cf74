using Flows.Autodiff;
using Flows.Kernels;
using Flows.NN;

namespace Flows.Distributions;

/// <summary>
/// Glow's learned prior for the half factored out at a multi-scale split (Kingma and Dhariwal 2018,
/// "split2d"): z ~ N(mean, exp(logScale)²) with [mean, logScale] = ZeroConv3x3(kept), the output
/// channels interleaved (even = mean, odd = log-std). Zero-initialised, so it starts as N(0, I).
/// Parameters weight [2F, K, 3, 3], bias [2F], scale [2F] (see <see cref="ZeroConv2d"/>).
/// </summary>
public sealed class SplitPrior : ConditionalDistribution
{
    /// <param name="contextChannels">K, the channels of the kept half.</param>
    /// <param name="channels">F, the channels of the factored-out half.</param>
    public SplitPrior(int contextChannels, int channels)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(contextChannels, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        ContextChannels = contextChannels;
        Channels = channels;
        Weight = AddParameter("weight", Tensor.Zeros(2 * channels, contextChannels, 3, 3));
        Bias = AddParameter("bias", Tensor.Zeros(2 * channels));
        Scale = AddParameter("scale", Tensor.Zeros(2 * channels));
    }

    public int ContextChannels { get; }

    public int Channels { get; }

    public Variable Weight { get; }

    public Variable Bias { get; }

    public Variable Scale { get; }

    /// <summary>The mean and log-std [N, F, H, W] given the kept half [N, K, H, W].</summary>
    public (Variable Mean, Variable LogScale) Parameters(Variable context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Shape.Length != 4 || context.Shape[1] != ContextChannels)
        {
            throw new ArgumentException($"SplitPrior({ContextChannels} → {Channels}) needs a context [N, {ContextChannels}, H, W], got {Tensor.FormatShape(context.Shape)}.", nameof(context));
        }

        var h = ZeroConv2d.Apply(context, Weight, Bias, Scale);
        return (Ops.Slice(h, 1, 0, Channels, 2), Ops.Slice(h, 1, 1, Channels, 2));
    }

    public override Variable LogProb(Variable z, Variable? context)
    {
        ArgumentNullException.ThrowIfNull(z);
        ArgumentNullException.ThrowIfNull(context);
        if (z.Shape.Length != 4 || z.Shape[0] != context.Shape[0] || z.Shape[1] != Channels || z.Shape[2] != context.Shape[2] || z.Shape[3] != context.Shape[3])
        {
            throw new ArgumentException($"SplitPrior({ContextChannels} → {Channels}): z {Tensor.FormatShape(z.Shape)} does not match context {Tensor.FormatShape(context.Shape)}.", nameof(z));
        }

        var (mean, logScale) = Parameters(context);
        return GaussianDensity.LogProb(z, mean, logScale);
    }

    public override Tensor Sample(int n, Variable? context, float temperature, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(rng);
        if (context.Shape[0] != n)
        {
            throw new ArgumentException($"SplitPrior: asked for {n} samples with a context batch of {context.Shape[0]}.", nameof(n));
        }

        using (Autograd.NoGrad())
        {
            var (mean, logScale) = Parameters(context);
            return GaussianDensity.Sample(mean.Value, logScale.Value, temperature, rng);
        }
    }
}
