using Flows.Autodiff;
using Flows.Distributions;

namespace Flows.Bijectors;

/// <summary>
/// The multi-scale split of RealNVP and Glow as a bijector (the "exit" of TensorFlow Probability's Glow): on
/// [N, C, H, W] the first ⌊C/2⌋ channels are kept and the rest, z, are standardised by the Gaussian a
/// <see cref="SplitPrior"/> reads from the kept part: ε = (z − μ(kept))·exp(−ln σ(kept)), log-det = −Σ ln σ.
/// Followed by N(0, I) on ε this is exactly the learned split prior p(z | kept) = N(μ, σ²) of
/// <see cref="Models.MultiScaleFlow"/>, since ln N(z; μ, σ) = ln N(ε; 0, 1) − Σ ln σ; with
/// <see cref="OnKeptChannels"/> for the next level, a whole multi-scale flow is one chain of bijectors over the
/// data's shape under a standard normal. <see cref="Models.MultiScaleFlow"/> remains the executor that trains it
/// with memory-efficient backprop and returns one latent per level; this is the same map for composing by hand.
/// </summary>
public sealed class FactorOut : Bijector
{
    /// <summary>A split whose factored-out channels are standardised by <paramref name="prior"/> (registered as "prior").</summary>
    public FactorOut(SplitPrior prior)
    {
        ArgumentNullException.ThrowIfNull(prior);
        Prior = AddModule("prior", prior);
    }

    /// <summary>The Gaussian of the factored-out channels given the kept ones.</summary>
    public SplitPrior Prior { get; }

    /// <inheritdoc/>
    public override (Variable Z, Variable LogDet) Forward(Variable x)
    {
        var (kept, z) = Split(x);
        var (mean, logScale) = Prior.Parameters(kept);
        var epsilon = Ops.Mul(Ops.Sub(z, mean), Ops.Exp(Ops.Neg(logScale)));
        return (Ops.Concat(1, kept, epsilon), Ops.Neg(Ops.SumPerSample(logScale)));
    }

    /// <inheritdoc/>
    public override (Variable X, Variable LogDet) Inverse(Variable z)
    {
        var (kept, epsilon) = Split(z);
        var (mean, logScale) = Prior.Parameters(kept);
        var factored = Ops.Add(Ops.Mul(epsilon, Ops.Exp(logScale)), mean);
        return (Ops.Concat(1, kept, factored), Ops.SumPerSample(logScale));
    }

    private (Variable Kept, Variable FactoredOut) Split(Variable x)
    {
        ArgumentNullException.ThrowIfNull(x);
        int kept = Prior.ContextChannels, rest = Prior.Channels;
        if (x.Shape.Length != 4 || x.Shape[1] != kept + rest)
        {
            throw new ArgumentException($"FactorOut({kept} kept, {rest} factored out) needs [N, {kept + rest}, H, W], got {Tensor.FormatShape(x.Shape)}.", nameof(x));
        }

        return (Ops.Slice(x, 1, 0, kept), Ops.Slice(x, 1, kept, rest));
    }
}
