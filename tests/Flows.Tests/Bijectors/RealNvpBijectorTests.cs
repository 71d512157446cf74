using Flows.Autodiff;
using Flows.Bijectors;
using Flows.NN;
using Flows.Tests.Models;

namespace Flows.Tests.Bijectors;

public sealed class RealNvpBijectorTests
{
    [Theory]
    [InlineData(CouplingMask.Checkerboard, 0)]
    [InlineData(CouplingMask.Checkerboard, 1)]
    [InlineData(CouplingMask.ChannelWise, 0)]
    [InlineData(CouplingMask.ChannelWise, 1)]
    public void Masked_affine_coupling_satisfies_the_contract_and_keeps_the_masked_part(CouplingMask mask, int parity)
    {
        var rng = new Rng(51);
        var coupling = Couplings.RealNvpImage([2, 4, 3], mask, parity, 6, 1, rng);
        TwoDTraining.Randomize(coupling, rng, 0.3f);
        var x = BijectorContract.RandomInput(rng, 2, 2, 4, 3);
        BijectorContract.Check(coupling, x);

        var (z, logDet) = coupling.Forward(Variable.Constant(x));
        int kept = 0;
        float moved = 0;
        for (int c = 0; c < 2; c++)
        {
            for (int h = 0; h < 4; h++)
            {
                for (int w = 0; w < 3; w++)
                {
                    bool isKept = mask == CouplingMask.Checkerboard ? (h + w) % 2 == parity : (c < 1) == (parity == 0);
                    float change = Math.Abs(z.Value[0, c, h, w] - x[0, c, h, w]);
                    if (isKept)
                    {
                        kept++;
                        Assert.True(change == 0f, $"kept ({c},{h},{w}) changed by {change}: {x[0, c, h, w]} → {z.Value[0, c, h, w]}");
                    }
                    else
                    {
                        moved = Math.Max(moved, change);
                    }
                }
            }
        }

        Assert.Equal(12, kept);
        Assert.True(moved > 1e-2f, "The randomised coupling should move the transformed half.");
        Assert.Contains(logDet.Value.ToArray(), v => Math.Abs(v) > 1e-2f);
    }

    [Fact]
    public void Alternating_parities_transform_every_dimension()
    {
        var rng = new Rng(52);
        foreach (var mask in new[] { CouplingMask.Checkerboard, CouplingMask.ChannelWise })
        {
            var even = new BinaryMask([4, 3, 3], mask, 0).KeptMask;
            var odd = new BinaryMask([4, 3, 3], mask, 1).KeptMask;
            for (int i = 0; i < even.Length; i++)
            {
                Assert.Equal(1f, even.Span[i] + odd.Span[i]);
            }
        }
    }

    [Fact]
    public void Log_scale_is_bounded_by_the_learned_per_channel_scale()
    {
        var rng = new Rng(53);
        var coupling = Couplings.RealNvpImage([2, 2, 2], CouplingMask.Checkerboard, 0, 4, 1, rng);
        TwoDTraining.Randomize(coupling, rng, 2f);
        ((TanhAffineTransform)coupling.Transform).Scale.Value.Span[0] = 0.1f;
        ((TanhAffineTransform)coupling.Transform).Scale.Value.Span[1] = -0.2f;
        var x = BijectorContract.RandomInput(rng, 8, 2, 2, 2);
        System.Numerics.Tensors.TensorPrimitives.Multiply(x.Span, 30f, x.Span);
        var (_, logDet) = coupling.Forward(Variable.Constant(x));

        // Two transformed positions per channel: |logDet| ≤ 2·0.1 + 2·0.2.
        Assert.All(logDet.Value.ToArray(), v => Assert.True(Math.Abs(v) <= 0.6f + 1e-5f, $"logDet {v}"));
    }

    [Theory]
    [InlineData(ResNetNormalization.Batch)]
    [InlineData(ResNetNormalization.BatchAndWeight)]
    [InlineData(ResNetNormalization.None)]
    public void Coupling_with_other_conditioner_normalisations_satisfies_the_contract_in_eval_mode(ResNetNormalization normalization)
    {
        var rng = new Rng(54);
        var coupling = Couplings.RealNvpImage([2, 2, 3], CouplingMask.Checkerboard, 1, 5, 1, rng, normalization);
        TwoDTraining.Randomize(coupling, rng, 0.3f);
        TwoDTraining.RandomizeRunningStatistics(coupling, rng);
        coupling.Training = false;
        BijectorContract.Check(coupling, BijectorContract.RandomInput(rng, 2, 2, 2, 3));
    }

    [Fact]
    public void Coupling_with_batch_norm_chain_satisfies_the_contract_in_eval_mode()
    {
        var rng = new Rng(55);
        var bn = new BatchNormBijector([2, 2, 2]);
        var chain = new Chain(Couplings.RealNvpImage([2, 2, 2], CouplingMask.Checkerboard, 0, 4, 1, rng), bn, Couplings.RealNvpImage([2, 2, 2], CouplingMask.Checkerboard, 1, 4, 1, rng));
        TwoDTraining.Randomize(chain, rng);
        rng.FillNormal(bn.RunningMean.Span);
        rng.FillUniform(bn.RunningVar.Span, 0.3f, 2f);
        chain.Training = false;
        BijectorContract.Check(chain, BijectorContract.RandomInput(rng, 2, 2, 2, 2));
    }
}
