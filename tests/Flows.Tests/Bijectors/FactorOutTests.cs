using Flows.Autodiff;
using Flows.Bijectors;
using Flows.Distributions;
using Flows.Models;

namespace Flows.Tests.Bijectors;

/// <summary>The multi-scale split as a bijector: its contract, and a Glow composed from it is the Glow model.</summary>
public sealed class FactorOutTests
{
    [Fact]
    public void Factor_out_satisfies_the_bijector_contract()
    {
        var rng = new Rng(31);
        var split = new FactorOut(new SplitPrior(2, 2));
        GlowBijectorTests.Randomize(split, rng, 0.2f);
        // Like an affine coupling, its scale is exp of a linear function of the kept half, which leaves float range
        // for inputs scaled by 50 (as the exact map does), so the large-input part of the contract is off.
        BijectorContract.Check(split, BijectorContract.RandomInput(new Rng(32), 3, 4, 3, 5), largeScale: 0);

        // Not the identity once the prior has learned something: the factored-out half moves, the kept half does not.
        var x = BijectorContract.RandomInput(new Rng(33), 2, 4, 3, 5);
        var z = split.Forward(Variable.Constant(x)).Z.Value;
        Assert.Equal(x[1, 1, 2, 4], z[1, 1, 2, 4]);
        Assert.NotEqual(x[1, 3, 2, 4], z[1, 3, 2, 4]);
    }

    [Fact]
    public void On_kept_channels_satisfies_the_contract_and_leaves_the_other_channels_alone()
    {
        var rng = new Rng(34);
        var inner = new Chain([new Squeeze(), Couplings.GlowAffine(8, 8, rng), new InverseBijector(new Squeeze())]);
        var b = new OnKeptChannels(2, inner);
        GlowBijectorTests.Randomize(b, rng, 0.2f);
        var x = BijectorContract.RandomInput(new Rng(35), 3, 5, 4, 6);
        BijectorContract.Check(b, x, largeScale: 0);
        var z = b.Forward(Variable.Constant(x)).Z.Value;
        Assert.Equal(x[2, 4, 3, 5], z[2, 4, 3, 5]);
        Assert.Throws<InvalidOperationException>(() => new OnKeptChannels(2, new Squeeze()).Forward(Variable.Constant(x)));
    }

    [Fact]
    public void A_glow_composed_of_bijectors_under_a_standard_normal_is_the_multi_scale_glow()
    {
        // Three levels, learned split priors: the model as MultiScaleFlow runs it, and the same modules as one chain.
        var glow = Glow.Create(new GlowConfig { DataShape = [1, 8, 8], Levels = 3, StepsPerLevel = 2, Hidden = 8, LearnedSplitPrior = true }, new Rng(36));
        GlowBijectorTests.Randomize(glow, new Rng(37), 0.1f);
        glow.Training = false;

        Bijector Level(int i)
        {
            var level = glow.Levels[i];
            var parts = new List<Bijector> { new Squeeze() };
            parts.AddRange(level.Steps);
            if (level.IsSplit)
            {
                var prior = (SplitPrior)level.Prior!;
                parts.Add(new FactorOut(prior));
                parts.Add(new OnKeptChannels(prior.ContextChannels, Level(i + 1)));
            }

            parts.Add(new InverseBijector(new Squeeze())); // back to the level's input shape
            return new Chain([.. parts]);
        }

        var composed = new SingleScaleFlow([1, 8, 8], Level(0), new StandardNormal(1, 8, 8)) { Training = false };
        var x = BijectorContract.RandomInput(new Rng(38), 6, 1, 8, 8);
        var expected = glow.LogProb(Variable.Constant(x)).Value.ToArray();
        var actual = composed.LogProb(Variable.Constant(x)).Value.ToArray();
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.InRange(actual[i] - expected[i], -1e-4 * (1 + Math.Abs(expected[i])), 1e-4 * (1 + Math.Abs(expected[i])));
        }

        var back = composed.Decode(composed.Encode(x)).ToArray();
        var xs = x.ToArray();
        for (int i = 0; i < xs.Length; i++)
        {
            Assert.InRange(back[i] - xs[i], -1e-4f, 1e-4f);
        }
    }
}
