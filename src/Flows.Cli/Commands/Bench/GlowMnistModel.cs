using Flows.Bijectors;
using Flows.Distributions;
using Flows.Kernels;
using Flows.Models;

namespace Flows.Cli.Commands.Bench;

/// <summary>
/// The glow-mnist benchmark architecture (shared/benchmarks/glow-mnist.md) with K steps a level:
/// squeeze → K × [ActNorm → LU 1×1 conv → affine coupling (hidden 128)] → split with a learned prior,
/// then squeeze → K steps → N(0, I). Parameter names follow the reference vector.
/// </summary>
internal static class GlowMnistModel
{
    /// <summary>Trainable scalars of the spec's model (K = 8).</summary>
    public const long SpecParameterCount = 437_328;

    public static MultiScaleFlow Create(int stepsPerLevel, int hidden, Rng rng)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(stepsPerLevel, 1);
        var levels = new[]
        {
            MultiScaleLevel.WithSplit(Steps(4, stepsPerLevel, hidden, rng), new SplitPrior(2, 2)),
            MultiScaleLevel.Final(Steps(8, stepsPerLevel, hidden, rng)),
        };
        return new MultiScaleFlow([1, 28, 28], levels);
    }

    private static Bijector[] Steps(int channels, int count, int hidden, Rng rng)
    {
        var steps = new Bijector[count];
        for (int k = 0; k < count; k++)
        {
            steps[k] = new GlowStep(new ActNorm(channels), new LuInvertibleConv1x1(channels, rng), new AffineCoupling(channels, hidden, rng));
        }

        return steps;
    }
}
