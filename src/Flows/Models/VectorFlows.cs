using Flows.Bijectors;
using Flows.Distributions;

namespace Flows.Models;

/// <summary>
/// Factories for flows on vectors [N, D] (tabular and 2-D toy data), all with a standard normal prior.
/// </summary>
public static class VectorFlows
{
    /// <summary>
    /// RealNVP-style: K affine couplings with alternating even/odd masks, each followed by a batch-norm
    /// bijector when <paramref name="batchNorm"/> is set.
    /// </summary>
    public static SingleScaleFlow RealNvp(int dimensions, int couplings, int hiddenFeatures, int hiddenLayers, Rng rng, bool batchNorm = false)
    {
        ArgumentNullException.ThrowIfNull(rng);
        ArgumentOutOfRangeException.ThrowIfLessThan(couplings, 1);
        var steps = new List<Bijector>();
        for (int i = 0; i < couplings; i++)
        {
            steps.Add(Couplings.RealNvpVector(dimensions, i % 2, hiddenFeatures, hiddenLayers, rng));
            if (batchNorm)
            {
                steps.Add(new BatchNormBijector([dimensions]));
            }
        }

        return new SingleScaleFlow([dimensions], new Chain([.. steps]), new StandardNormal(dimensions));
    }

    /// <summary>
    /// Glow-style: K steps of ActNorm → LU linear → affine coupling (Kingma &amp; Dhariwal 2018, figure 2a,
    /// with the 1x1 convolution read as a D×D linear map).
    /// </summary>
    public static SingleScaleFlow Glow(int dimensions, int steps, int hiddenFeatures, int hiddenLayers, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1);
        var list = new List<Bijector>();
        for (int i = 0; i < steps; i++)
        {
            list.Add(new ActNorm(dimensions));
            list.Add(new LuInvertibleConv1x1(dimensions, rng));
            list.Add(Couplings.RealNvpVector(dimensions, 0, hiddenFeatures, hiddenLayers, rng));
        }

        return new SingleScaleFlow([dimensions], new Chain([.. list]), new StandardNormal(dimensions));
    }

    /// <summary>NICE-style: K additive couplings with alternating masks and a final diagonal scaling.</summary>
    public static SingleScaleFlow Nice(int dimensions, int couplings, int hiddenFeatures, int hiddenLayers, Rng rng)
        => Models.Nice.Create([dimensions], rng, couplings, hiddenFeatures, hiddenLayers, logisticPrior: false);
}
