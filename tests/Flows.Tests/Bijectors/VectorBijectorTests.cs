using Flows.Autodiff;
using Flows.Bijectors;
using Flows.Tests.Models;

namespace Flows.Tests.Bijectors;

public sealed class VectorBijectorTests
{
    [Theory]
    [InlineData(0, 5)]
    [InlineData(1, 5)]
    [InlineData(0, 2)]
    public void Affine_coupling_satisfies_the_contract(int parity, int d)
    {
        var rng = new Rng(21);
        var coupling = Couplings.RealNvpVector(d, parity, 8, 2, rng);
        TwoDTraining.Randomize(coupling, rng, 0.5f);
        var x = BijectorContract.RandomInput(rng, 3, d);
        BijectorContract.Check(coupling, x);

        var (_, logDet) = coupling.Forward(Variable.Constant(x));
        Assert.Contains(logDet.Value.ToArray(), v => Math.Abs(v) > 1e-2f);
    }

    [Fact]
    public void Affine_coupling_log_scale_is_bounded_by_the_learned_scale()
    {
        var rng = new Rng(22);
        var coupling = Couplings.RealNvpVector(4, 0, 8, 2, rng);
        TwoDTraining.Randomize(coupling, rng, 3f);
        ((TanhAffineTransform)coupling.Transform).Scale.Value.Span.Fill(0.25f);
        var x = BijectorContract.RandomInput(rng, 16, 4);
        System.Numerics.Tensors.TensorPrimitives.Multiply(x.Span, 100f, x.Span);
        var (_, logDet) = coupling.Forward(Variable.Constant(x));

        // Two transformed features, |s| ≤ c = 0.25 each.
        Assert.All(logDet.Value.ToArray(), v => Assert.True(Math.Abs(v) <= 0.5f + 1e-5f, $"logDet {v}"));
    }

    [Fact]
    public void ActNorm_initialises_from_the_first_batch_then_satisfies_the_contract()
    {
        var rng = new Rng(23);
        var actNorm = new ActNorm(3); // the one ActNorm, on vectors [N, D]
        var x = BijectorContract.RandomInput(rng, 200, 3);
        for (int s = 0; s < 200; s++)
        {
            x[s, 0] = (3f * x[s, 0]) + 5f;
            x[s, 2] = (0.1f * x[s, 2]) - 1f;
        }

        var (z, _) = actNorm.Forward(Variable.Constant(x));
        Assert.True(actNorm.IsInitialized);
        for (int j = 0; j < 3; j++)
        {
            double mean = 0, sq = 0;
            for (int s = 0; s < 200; s++)
            {
                mean += z.Value[s, j];
                sq += z.Value[s, j] * z.Value[s, j];
            }

            Assert.Equal(0, mean / 200, 1e-3);
            Assert.Equal(1, (sq / 200) - ((mean / 200) * (mean / 200)), 1e-3);
        }

        // A second batch must not re-initialise.
        var before = actNorm.LogScale.Value.ToArray();
        actNorm.Forward(Variable.Constant(BijectorContract.RandomInput(rng, 10, 3)));
        Assert.Equal(before, actNorm.LogScale.Value.ToArray());

        TwoDTraining.Randomize(actNorm, rng);
        BijectorContract.Check(actNorm, BijectorContract.RandomInput(rng, 3, 3));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(5)]
    public void Lu_linear_starts_as_a_rotation_and_satisfies_the_contract(int d)
    {
        var rng = new Rng(24);
        var lu = new LuInvertibleConv1x1(d, rng);
        var w = lu.Weight().Value;
        for (int i = 0; i < d; i++)
        {
            for (int j = 0; j < d; j++)
            {
                double dot = 0;
                for (int k = 0; k < d; k++)
                {
                    dot += w[i, k] * w[j, k];
                }

                Assert.Equal(i == j ? 1.0 : 0.0, dot, 1e-4);
            }
        }

        TwoDTraining.Randomize(lu, rng);
        var x = BijectorContract.RandomInput(rng, 3, d);
        BijectorContract.Check(lu, x);

        // The forward map is x·Wᵀ with the W that Weight() reports.
        var (z, _) = lu.Forward(Variable.Constant(x));
        w = lu.Weight().Value;
        for (int s = 0; s < 3; s++)
        {
            for (int i = 0; i < d; i++)
            {
                double expected = 0;
                for (int k = 0; k < d; k++)
                {
                    expected += w[i, k] * x[s, k];
                }

                Assert.Equal(expected, z.Value[s, i], 1e-4);
            }
        }
    }

    [Fact]
    public void Permutations_move_columns_and_satisfy_the_contract()
    {
        var rng = new Rng(25);
        var x = BijectorContract.RandomInput(rng, 3, 6);
        var reverse = ChannelPermutation.Reverse(6); // the one permutation, on vectors [N, D]
        BijectorContract.Check(reverse, x);
        var (z, _) = reverse.Forward(Variable.Constant(x));
        Assert.Equal(x[1, 0], z.Value[1, 5]);
        Assert.Equal(x[2, 4], z.Value[2, 1]);

        var shuffle = ChannelPermutation.Shuffle(6, rng);
        BijectorContract.Check(shuffle, x);
        var order = shuffle.Permutation();
        (z, _) = shuffle.Forward(Variable.Constant(x));
        for (int j = 0; j < 6; j++)
        {
            Assert.Equal(x[0, order[j]], z.Value[0, j]);
        }

        Assert.Throws<ArgumentException>(() => new ChannelPermutation([0, 0, 1]));
    }

    [Fact]
    public void A_permutation_uses_the_order_a_checkpoint_loads_into_its_buffer()
    {
        var rng = new Rng(27);
        var x = BijectorContract.RandomInput(rng, 2, 4);
        var permutation = ChannelPermutation.Reverse(4);
        var buffer = permutation.NamedBuffers().Single(b => b.Name == "indices").Value.Span;
        float[] loaded = [2, 0, 3, 1]; // as Checkpoint.LoadModel copies a saved order in
        loaded.CopyTo(buffer);
        Assert.Equal([2, 0, 3, 1], permutation.Permutation());
        var (z, _) = permutation.Forward(Variable.Constant(x));
        Assert.Equal(x[1, 2], z.Value[1, 0]);
        Assert.Equal(x[1, 1], z.Value[1, 3]);
        BijectorContract.Check(permutation, x);

        buffer[0] = 0; // [0, 0, 3, 1]: not a permutation
        Assert.Throws<InvalidOperationException>(() => permutation.Forward(Variable.Constant(x)));
    }

    [Fact]
    public void Flatten_satisfies_the_contract_and_round_trips_the_shape()
    {
        var rng = new Rng(26);
        var flatten = new Flatten(2, 3, 2);
        var x = BijectorContract.RandomInput(rng, 2, 2, 3, 2);
        // The contract's large-|z| inverse feeds x-shaped input; a reshape has nothing to overflow, so skip it.
        BijectorContract.Check(flatten, x, largeScale: 0f);
        var (z, _) = flatten.Forward(Variable.Constant(x));
        Assert.Equal([2, 12], z.Shape);
        Assert.Equal(x.ToArray(), z.Value.ToArray());
    }
}
