using Flows.Autodiff;
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

    /// <summary>K, the channels of the kept half (the context).</summary>
    public int ContextChannels { get; }

    /// <summary>F, the channels of the factored-out half.</summary>
    public int Channels { get; }

    /// <summary>The convolution kernel "weight" [2F, K, 3, 3], initially zero.</summary>
    public Variable Weight { get; }

    /// <summary>The bias "bias" [2F], initially zero.</summary>
    public Variable Bias { get; }

    /// <summary>The output log-scale "scale" [2F] in units of 1/3, initially zero (see <see cref="ZeroConv2d.Scale"/>).</summary>
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

    /// <summary>log p(z | kept) per sample, [N], in nats, for z [N, F, H, W] and the kept half [N, K, H, W] as the context.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="context"/> is null.</exception>
    /// <exception cref="ArgumentException">The shapes of <paramref name="z"/> and the context do not match.</exception>
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

    /// <summary>n samples [n, F, H, W] given the kept half [n, K, H, W]; <paramref name="temperature"/> scales the standard deviation.</summary>
    /// <exception cref="ArgumentException">The context batch is not <paramref name="n"/>.</exception>
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
