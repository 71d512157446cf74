using Flows.Autodiff;
using Flows.Bijectors;
using Flows.Kernels;
using Flows.NN;

namespace Flows.Tests.Bijectors;

/// <summary>The bijector contract for every Glow layer at random, non-trivial parameters, plus layer-specific checks.</summary>
public sealed class GlowBijectorTests
{
    /// <summary>Every parameter set to N(0, std²), so no coupling is the identity; ActNorms marked initialised.</summary>
    internal static void Randomize(Flows.NN.Module module, Rng rng, float std = 0.3f)
    {
        foreach (var (_, p) in module.NamedParameters())
        {
            rng.FillNormal(p.Value.Span, 0f, std);
        }

        foreach (var (name, b) in module.NamedBuffers())
        {
            if (name.EndsWith("initialized", StringComparison.Ordinal))
            {
                b.Span[0] = 1f;
            }
        }
    }

    private static void AssertForwardFiniteAtLargeInput(Bijector b, Tensor x)
    {
        System.Numerics.Tensors.TensorPrimitives.Multiply(x.Span, 50f, x.Span);
        var (z, logDet) = b.Forward(Variable.Constant(x));
        Assert.All(z.Value.ToArray(), v => Assert.True(float.IsFinite(v)));
        Assert.All(logDet.Value.ToArray(), v => Assert.True(float.IsFinite(v)));
    }

    private static Tensor Input(ulong seed) => BijectorContract.RandomInput(new Rng(seed), 2, 4, 4, 4);

    [Fact]
    public void ActNorm_satisfies_the_contract()
    {
        var rng = new Rng(10);
        var b = new ActNorm(4);
        Randomize(b, rng);
        BijectorContract.Check(b, Input(11));
    }

    [Fact]
    public void Plain_invertible_conv_satisfies_the_contract()
    {
        var rng = new Rng(12);
        var b = new InvertibleConv1x1(4, rng);
        // A random non-orthogonal weight: log|det W| ≠ 0.
        rng.FillNormal(b.Weight.Value.Span);
        BijectorContract.Check(b, Input(13));
    }

    [Fact]
    public void Lu_invertible_conv_satisfies_the_contract()
    {
        var rng = new Rng(14);
        var b = new LuInvertibleConv1x1(4, rng);
        rng.FillNormal(b.LogScale.Value.Span, 0f, 0.5f);
        rng.FillNormal(b.Lower.Value.Span, 0f, 0.5f);
        rng.FillNormal(b.Upper.Value.Span, 0f, 0.5f);
        BijectorContract.Check(b, Input(15));
    }

    [Fact]
    public void Channel_permutations_satisfy_the_contract_and_move_channels()
    {
        var x = Input(16);
        BijectorContract.Check(ChannelPermutation.Reverse(4), x);
        var shuffle = ChannelPermutation.Shuffle(4, new Rng(17));
        BijectorContract.Check(shuffle, x);
        var p = shuffle.Permutation();
        var z = ChannelPermutation.Reverse(4).Forward(Variable.Constant(x)).Z.Value;
        var zs = shuffle.Forward(Variable.Constant(x)).Z.Value;
        for (int c = 0; c < 4; c++)
        {
            Assert.Equal(x[1, 3 - c, 2, 1], z[1, c, 2, 1]);
            Assert.Equal(x[1, p[c], 0, 3], zs[1, c, 0, 3]);
        }
    }

    [Theory]
    [InlineData(4, 0f)]
    [InlineData(5, 0f)] // odd: the kept half is the smaller one
    [InlineData(4, 1e-3f)] // with a scale floor
    [InlineData(5, 0.05f)]
    public void Affine_coupling_inverse_for_values_only_equals_the_recorded_inverse(int channels, float floor)
    {
        var rng = new Rng(21);
        var b = Couplings.GlowAffine(channels, 8, rng, floor);
        Randomize(b, rng);
        var z = BijectorContract.RandomInput(new Rng(22), 3, channels, 5, 6);
        var (xRecorded, logDetRecorded) = b.Inverse(Variable.Constant(z));
        Assert.True(xRecorded.RequiresGrad); // the ordinary, differentiable route

        // Sampling and decoding run each step through DetachedStep (recording only to release).
        var (x, logDet) = DetachedStep.Run(b, z, inverse: true);
        Assert.Equal(xRecorded.Value.ToArray(), x.ToArray());
        // The log-scales come out of the same kernel and are summed by the coupling's own reduction, so the log-det is the recorded one's too.
        Assert.Equal(logDetRecorded.Value.ToArray(), logDet.ToArray());

        using (Autograd.NoGrad())
        {
            Assert.Equal(x.ToArray(), b.Inverse(Variable.Constant(z)).X.Value.ToArray());
        }

        // Inverts the forward (to float rounding), and refuses to be differentiated.
        var back = b.Forward(Variable.Constant(x)).Z.Value.ToArray();
        var zs = z.ToArray();
        for (int i = 0; i < zs.Length; i++)
        {
            Assert.InRange(back[i] - zs[i], -1e-4f, 1e-4f);
        }

        using (Autograd.Recording())
        {
            var (values, _) = b.Inverse(Variable.Constant(z));
            Assert.Throws<InvalidOperationException>(() => Ops.Sum(values, [0, 1, 2, 3]).Backward());
            values.ReleaseGraph();
        }
    }

    [Fact]
    public void ActNorm_inverse_and_zero_conv_for_values_only_give_the_recorded_bits()
    {
        var rng = new Rng(23);
        var actNorm = new ActNorm(5);
        Randomize(actNorm, rng);
        var z = BijectorContract.RandomInput(new Rng(24), 3, 5, 4, 7);
        var recorded = actNorm.Inverse(Variable.Constant(z)).X;
        Assert.True(recorded.RequiresGrad);
        var (values, _) = DetachedStep.Run(actNorm, z, inverse: true);
        Assert.Equal(recorded.Value.ToArray(), values.ToArray());

        var zeroConv = new Flows.NN.ZeroConv2d(5, 3);
        Randomize(zeroConv, rng, 0.2f);
        var input = Variable.Constant(z);
        var expected = zeroConv.Forward(input);
        Assert.True(expected.RequiresGrad);
        using (Autograd.NoGrad())
        {
            Assert.Equal(expected.Value.ToArray(), zeroConv.Forward(input).Value.ToArray());
        }

        using (Autograd.Recording())
        {
            var y = zeroConv.Forward(input);
            Assert.Equal(expected.Value.ToArray(), y.Value.ToArray());
            Assert.Throws<InvalidOperationException>(() => Ops.Sum(y, [0, 1, 2, 3]).Backward());
            y.ReleaseGraph();
        }
    }

    [Fact]
    public void Affine_coupling_satisfies_the_contract()
    {
        var rng = new Rng(18);
        var b = Couplings.GlowAffine(4, 8, rng);
        Randomize(b, rng);
        // The inverse multiplies by 1/sigmoid(s + 2) = 1 + e^−(s+2), which leaves float range once s < −87
        // (as the exact map does), so the large-|z| inverse part is replaced by a forward-only check.
        BijectorContract.Check(b, Input(19), largeScale: 0);
        AssertForwardFiniteAtLargeInput(b, Input(19));
        // Not the identity: the second half moves, the first does not.
        var x = Input(20);
        var z = b.Forward(Variable.Constant(x)).Z.Value;
        Assert.Equal(x[0, 1, 2, 2], z[0, 1, 2, 2]);
        Assert.NotEqual(x[0, 3, 2, 2], z[0, 3, 2, 2]);
    }

    [Fact]
    public void Affine_coupling_with_a_scale_floor_satisfies_the_contract_and_keeps_every_scale_above_the_floor()
    {
        var rng = new Rng(18);
        var b = Couplings.GlowAffine(4, 8, rng, scaleFloor: 0.05f);
        Randomize(b, rng);
        BijectorContract.Check(b, Input(19), largeScale: 0);
        AssertForwardFiniteAtLargeInput(b, Input(19));

        // A network output far below Glow's underflow point (s < −87): the scale stays at the floor, so the
        // log-det is 2·H·W·ln(floor + ~0) per sample and the inverse gives x back.
        var bias = ((GlowCouplingNetwork)b.Network).Layers.Single(l => l.Name == "zeroconv").Layer.NamedParameters().Single(p => p.Name == "bias").Value.Value.Span;
        for (int c = 1; c < bias.Length; c += 2)
        {
            bias[c] = -200f;
        }

        var x = Input(25);
        var (z, logDet) = b.Forward(Variable.Constant(x));
        Assert.All(logDet.Value.ToArray(), v => Assert.InRange(v, 2 * 16 * MathF.Log(0.05f) - 1e-2f, 2 * 16 * MathF.Log(0.05f) + 1e-2f));
        var back = b.Inverse(z).X.Value.ToArray();
        var xs = x.ToArray();
        for (int i = 0; i < xs.Length; i++)
        {
            Assert.InRange(back[i] - xs[i], -1e-4f, 1e-4f);
        }

        // Glow's scale (no floor) underflows at the same output, and its inverse is lost.
        var glow = (Coupling)Couplings.GlowAffine(4, (GlowCouplingNetwork)b.Network, 0);
        var zGlow = glow.Forward(Variable.Constant(x)).Z;
        Assert.Contains(glow.Inverse(zGlow).X.Value.ToArray(), v => !float.IsFinite(v) || MathF.Abs(v) > 1e3f);
    }

    [Fact]
    public void Additive_coupling_satisfies_the_contract()
    {
        var rng = new Rng(21);
        var b = Couplings.GlowAdditive(4, 8, rng);
        Randomize(b, rng);
        BijectorContract.Check(b, Input(22));
    }

    [Fact]
    public void Squeeze_satisfies_the_contract_and_the_index_formula()
    {
        var x = Input(23);
        BijectorContract.Check(new Squeeze(), x);
        var z = Squeeze.Apply(Variable.Constant(x)).Value;
        Assert.Equal([2, 16, 2, 2], z.Shape);
        for (int n = 0; n < 2; n++)
        {
            for (int c = 0; c < 4; c++)
            {
                for (int i = 0; i < 2; i++)
                {
                    for (int j = 0; j < 2; j++)
                    {
                        for (int y = 0; y < 2; y++)
                        {
                            for (int w = 0; w < 2; w++)
                            {
                                Assert.Equal(x[n, c, (2 * y) + i, (2 * w) + j], z[n, (c * 4) + (2 * i) + j, y, w]);
                            }
                        }
                    }
                }
            }
        }
    }

    [Fact]
    public void Glow_step_satisfies_the_contract()
    {
        var rng = new Rng(24);
        // Glow's step is a Chain with named parts (Glow.Step builds it from a config).
        var step = new Chain([("actnorm", new ActNorm(4)), ("invconv", new LuInvertibleConv1x1(4, rng)), ("coupling", Couplings.GlowAffine(4, 8, rng))]);
        Randomize(step, rng);
        BijectorContract.Check(step, Input(25), largeScale: 0);
        AssertForwardFiniteAtLargeInput(step, Input(25));
        var names = step.NamedParameters().Select(p => p.Name).ToArray();
        Assert.Equal(
            ["actnorm.loc", "actnorm.logs", "invconv.lower", "invconv.upper", "invconv.logs", "coupling.conv1.weight", "coupling.actnorm1.loc", "coupling.actnorm1.logs", "coupling.conv2.weight", "coupling.actnorm2.loc", "coupling.actnorm2.logs", "coupling.zeroconv.weight", "coupling.zeroconv.bias", "coupling.zeroconv.scale"],
            names);
    }

    [Fact]
    public void Lu_weight_reassembles_a_given_matrix_and_matches_the_plain_log_det()
    {
        var rng = new Rng(26);
        var w = Tensor.Zeros(5, 5);
        rng.FillNormal(w.Span);
        var lu = new LuInvertibleConv1x1(5, rng);
        lu.SetWeight(w.Span);
        var back = lu.Weight().Value;
        for (int i = 0; i < w.Length; i++)
        {
            Assert.True(Math.Abs(w.Span[i] - back.Span[i]) < 1e-5f, $"W[{i}] {w.Span[i]} vs P·L·U {back.Span[i]}");
        }

        double sumLogs = lu.LogScale.Value.ToArray().Sum(v => (double)v);
        Assert.Equal(SmallMatrix.LogAbsDet(w.Span, 5), sumLogs, 4);
        Assert.Equal(5 * 4 / 2, lu.Lower.Value.Length);
    }

    [Fact]
    public void Random_orthogonal_init_has_unit_determinant_magnitude()
    {
        var rng = new Rng(27);
        var plain = new InvertibleConv1x1(6, rng);
        Assert.Equal(0.0, SmallMatrix.LogAbsDet(plain.Weight.Value.Span, 6), 4);
        var lu = new LuInvertibleConv1x1(6, rng);
        foreach (float v in lu.LogScale.Value.Span)
        {
            Assert.True(float.IsFinite(v));
        }

        Assert.Equal(0.0, lu.LogScale.Value.ToArray().Sum(v => (double)v), 4);
    }

    [Fact]
    public void ActNorm_initialises_from_the_first_training_batch_once()
    {
        var rng = new Rng(28);
        var x = Tensor.Zeros(8, 3, 4, 4);
        rng.FillNormal(x.Span, 2f, 3f);
        // Channel 1 is constant: zero variance must not produce inf or NaN.
        for (int n = 0; n < 8; n++)
        {
            for (int i = 0; i < 16; i++)
            {
                x.Span[(((n * 3) + 1) * 16) + i] = 5f;
            }
        }

        var a = new ActNorm(3);
        Assert.False(a.IsInitialized);
        var (z, logDet) = a.Forward(Variable.Constant(x));
        Assert.True(a.IsInitialized);
        foreach (int c in new[] { 0, 2 })
        {
            double sum = 0, sq = 0;
            for (int n = 0; n < 8; n++)
            {
                for (int i = 0; i < 16; i++)
                {
                    double v = z.Value.Span[(((n * 3) + c) * 16) + i];
                    sum += v;
                    sq += v * v;
                }
            }

            Assert.Equal(0.0, sum / 128, 4);
            Assert.Equal(1.0, sq / 128, 3);
        }

        Assert.All(z.Value.ToArray(), v => Assert.True(float.IsFinite(v)));
        Assert.True(float.IsFinite(logDet.Value.Span[0]));
        float loc0 = a.Loc.Value.Span[0];
        var y = Tensor.Zeros(2, 3, 4, 4);
        a.Forward(Variable.Constant(y));
        Assert.Equal(loc0, a.Loc.Value.Span[0]);

        // A loaded (initialised) ActNorm is not re-initialised; an evaluating one is not either.
        var loaded = new ActNorm(3) { IsInitialized = true };
        loaded.Forward(Variable.Constant(x));
        Assert.Equal(0f, loaded.Loc.Value.Span[0]);
        var evaluating = new ActNorm(3) { Training = false };
        evaluating.Forward(Variable.Constant(x));
        Assert.False(evaluating.IsInitialized);
    }

    [Fact]
    public void ActNorm_layer_normalises_hidden_activations_on_first_use()
    {
        var rng = new Rng(29);
        var x = Tensor.Zeros(4, 5, 3, 3);
        rng.FillNormal(x.Span, -1f, 0.5f);
        var layer = new ActNormLayer(5);
        var y = layer.Forward(Variable.Constant(x)).Value;
        double mean = y.ToArray().Average(v => (double)v);
        Assert.Equal(0.0, mean, 4);
        Assert.True(layer.IsInitialized);
    }
}
