using Flows.Autodiff;
using Flows.Bijectors;
using Flows.Distributions;
using Flows.Models;
using Flows.Tests.Bijectors;

namespace Flows.Tests.Models;

public sealed class MultiScaleFlowTests
{
    [Fact]
    public void Names_shapes_and_round_trip_of_a_two_level_flow()
    {
        var flow = SmallFlow(new Rng(1));
        Assert.Equal([[2, 2, 2], [8, 1, 1]], flow.LatentShapes);
        var names = flow.NamedParameters().Select(p => p.Name).ToArray();
        Assert.Contains("level0.step0.loc", names);
        Assert.Contains("level0.prior.weight", names);
        Assert.Contains("level1.step0.logs", names);

        var x = BijectorContract.RandomInput(new Rng(2), 3, 1, 4, 4);
        var latents = flow.Encode(x);
        Assert.Equal([3, 2, 2, 2], latents[0].Shape);
        Assert.Equal([3, 8, 1, 1], latents[1].Shape);
        var back = flow.Decode(latents);
        for (int i = 0; i < x.Length; i++)
        {
            Assert.True(Math.Abs(x.Span[i] - back.Span[i]) < 1e-5f, $"element {i}: {x.Span[i]} vs {back.Span[i]}");
        }
    }

    /// <summary>
    /// log p(x) against the change of variables done independently: the latents' densities under the
    /// priors plus log|det ∂(z₀, z₁)/∂x| with the Jacobian built element by element by autodiff.
    /// </summary>
    [Fact]
    public void Log_prob_is_the_change_of_variables_with_a_brute_force_jacobian()
    {
        var flow = SmallFlow(new Rng(3));
        var x = BijectorContract.RandomInput(new Rng(4), 2, 1, 4, 4);
        var logp = flow.LogProb(Variable.Constant(x.Clone())).Value;

        var encoder = new FlatEncoder(flow);
        var jacobian = BijectorContract.LogAbsDetJacobian(encoder, x);
        var latents = flow.Encode(x);
        // kept half at the split = the input of level 1 = the inverse of level 1 at the final latent.
        var kept = flow.Levels[1].Steps[0].Inverse(Variable.Constant(latents[1])).X;
        kept = Squeeze.Undo(kept);
        var split = flow.Levels[0].Prior!.LogProb(Variable.Constant(latents[0]), kept).Value;
        var top = new StandardNormal(8, 1, 1).LogProb(Variable.Constant(latents[1])).Value;
        for (int s = 0; s < 2; s++)
        {
            double expected = split.Span[s] + top.Span[s] + jacobian[s];
            Assert.True(Math.Abs(expected - logp.Span[s]) < 1e-3, $"sample {s}: log p {logp.Span[s]}, change of variables {expected}");
        }
    }

    [Fact]
    public void Sample_then_encode_returns_the_sampled_latents_shape_and_is_finite()
    {
        var flow = SmallFlow(new Rng(5));
        var x = flow.Sample(4, 0.7f, new Rng(6));
        Assert.Equal([4, 1, 4, 4], x.Shape);
        var latents = flow.Encode(x);
        var again = flow.Decode(latents);
        for (int i = 0; i < x.Length; i++)
        {
            Assert.True(float.IsFinite(x.Span[i]));
            Assert.True(Math.Abs(x.Span[i] - again.Span[i]) < 1e-4f, $"element {i}: {x.Span[i]} vs {again.Span[i]}");
        }
    }

    [Fact]
    public void Levels_must_split_except_the_last()
    {
        var steps = new Bijector[] { new ActNorm(4) };
        Assert.Throws<ArgumentException>(() => new MultiScaleFlow([1, 4, 4], [MultiScaleLevel.Final(steps), MultiScaleLevel.Final([])]));
        Assert.Throws<ArgumentException>(() => new MultiScaleFlow([1, 4, 4], [MultiScaleLevel.WithSplit(steps)]));
    }

    /// <summary>[1,4,4] → squeeze → ActNorm(4) → split (learned prior) → squeeze → ActNorm(8), random parameters.</summary>
    internal static MultiScaleFlow SmallFlow(Rng rng)
    {
        var a0 = new ActNorm(4) { IsInitialized = true };
        var a1 = new ActNorm(8) { IsInitialized = true };
        var prior = new SplitPrior(2, 2);
        var flow = new MultiScaleFlow([1, 4, 4], [MultiScaleLevel.WithSplit([a0], prior), MultiScaleLevel.Final([a1])]);
        foreach (var (_, p) in flow.NamedParameters())
        {
            rng.FillNormal(p.Value.Span, 0f, 0.3f);
        }

        return flow;
    }

    /// <summary>x → concat(flattened latents) with autodiff, for the brute-force Jacobian (its log-det is not used).</summary>
    private sealed class FlatEncoder(MultiScaleFlow flow) : Bijector
    {
        public override (Variable Z, Variable LogDet) Forward(Variable x)
        {
            var h = Squeeze.Apply(x);
            h = flow.Levels[0].Steps[0].Forward(h).Z;
            var z0 = Ops.Slice(h, 1, 2, 2);
            h = Squeeze.Apply(Ops.Slice(h, 1, 0, 2));
            var z1 = flow.Levels[1].Steps[0].Forward(h).Z;
            int n = x.Shape[0];
            var z = Ops.Concat(1, Ops.Reshape(z0, n, -1), Ops.Reshape(z1, n, -1));
            return (z, Variable.Constant(Tensor.Zeros(n)));
        }

        public override (Variable X, Variable LogDet) Inverse(Variable z) => throw new NotSupportedException();
    }
}
