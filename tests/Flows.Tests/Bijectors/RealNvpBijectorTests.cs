using Flows.Autodiff;
using Flows.Bijectors;
using Flows.Kernels;
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
        var coupling = new MaskedAffineCoupling([2, 4, 3], mask, parity, 6, 1, rng);
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
            var even = new MaskedAffineCoupling([4, 3, 3], mask, 0, 4, 0, rng).KeptMask;
            var odd = new MaskedAffineCoupling([4, 3, 3], mask, 1, 4, 0, rng).KeptMask;
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
        var coupling = new MaskedAffineCoupling([2, 2, 2], CouplingMask.Checkerboard, 0, 4, 1, rng);
        TwoDTraining.Randomize(coupling, rng, 2f);
        coupling.Scale.Value.Span[0] = 0.1f;
        coupling.Scale.Value.Span[1] = -0.2f;
        var x = BijectorContract.RandomInput(rng, 8, 2, 2, 2);
        System.Numerics.Tensors.TensorPrimitives.Multiply(x.Span, 30f, x.Span);
        var (_, logDet) = coupling.Forward(Variable.Constant(x));

        // Two transformed positions per channel: |logDet| ≤ 2·0.1 + 2·0.2.
        Assert.All(logDet.Value.ToArray(), v => Assert.True(Math.Abs(v) <= 0.6f + 1e-5f, $"logDet {v}"));
    }

    [Fact]
    public void ResNet_conditioner_starts_at_zero_and_weight_norm_starts_at_the_raw_weights()
    {
        var rng = new Rng(54);
        var net = new RealNvpResNet(2, 4, 5, 2, rng);
        var x = Variable.Constant(BijectorContract.RandomInput(rng, 2, 2, 3, 3));
        Assert.All(net.Forward(x).Value.ToArray(), v => Assert.Equal(0f, v));

        // At initialisation g = ‖v‖, so the effective weight equals v: compare the first layer with a plain convolution.
        var first = net.Input;
        var plain = Ops.Conv2d(x, first.Direction, first.Bias).Value.ToArray();
        var normed = first.Forward(x).Value.ToArray();
        for (int i = 0; i < plain.Length; i++)
        {
            Assert.Equal(plain[i], normed[i], 5);
        }

        // Doubling g doubles the pre-bias output; scaling v changes nothing.
        System.Numerics.Tensors.TensorPrimitives.Multiply(first.Direction.Value.Span, 3f, first.Direction.Value.Span);
        System.Numerics.Tensors.TensorPrimitives.Multiply(first.Gain.Value.Span, 2f, first.Gain.Value.Span);
        var doubled = first.Forward(x).Value.ToArray();
        for (int i = 0; i < plain.Length; i++)
        {
            Assert.Equal(2 * plain[i], doubled[i], 4);
        }
    }

    [Fact]
    public void Coupling_with_batch_norm_chain_satisfies_the_contract_in_eval_mode()
    {
        var rng = new Rng(55);
        var bn = new BatchNormBijector([2, 2, 2]);
        var chain = new Chain(new MaskedAffineCoupling([2, 2, 2], CouplingMask.Checkerboard, 0, 4, 1, rng), bn, new MaskedAffineCoupling([2, 2, 2], CouplingMask.Checkerboard, 1, 4, 1, rng));
        TwoDTraining.Randomize(chain, rng);
        rng.FillNormal(bn.RunningMean.Span);
        rng.FillUniform(bn.RunningVar.Span, 0.3f, 2f);
        chain.Training = false;
        BijectorContract.Check(chain, BijectorContract.RandomInput(rng, 2, 2, 2, 2));
    }
}
