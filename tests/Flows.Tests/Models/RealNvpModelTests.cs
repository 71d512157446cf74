using Flows.Autodiff;
using Flows.Bijectors;
using Flows.Models;

namespace Flows.Tests.Models;

public sealed class RealNvpModelTests
{
    /// <summary>A small RealNVP at non-trivial parameters and running statistics, in evaluation mode.</summary>
    private static MultiScaleFlow Randomised(int[] shape, int scales, Rng rng, float std = 0.05f)
    {
        var model = RealNvp.Create(shape, rng, scales, hiddenChannels: 4, residualBlocks: 1, stepNorm: StepNormalization.BatchNorm, logitAlpha: 0.05f);
        TwoDTraining.Randomize(model, rng, std);
        TwoDTraining.RandomizeRunningStatistics(model, rng);
        model.Training = false;
        return model;
    }

    private static Tensor Images(Rng rng, params int[] shape)
    {
        var x = Tensor.Zeros(shape);
        rng.FillUniform(x.Span, 0.01f, 0.99f);
        return x;
    }

    [Fact]
    public void Has_the_paper_architecture_per_scale()
    {
        var model = RealNvp.Create([1, 28, 28], new Rng(90), scales: 3, hiddenChannels: 4, residualBlocks: 1, stepNorm: StepNormalization.None, logitAlpha: null);
        Assert.Equal(3, model.Levels.Count);
        for (int level = 0; level < 2; level++)
        {
            var steps = model.Levels[level].Steps;
            Assert.Equal(7, steps.Count);
            for (int i = 0; i < 3; i++)
            {
                var checkerboard = Assert.IsType<BinaryMask>(Assert.IsType<Coupling>(steps[i]).Split);
                Assert.Equal((CouplingMask.Checkerboard, i % 2), (checkerboard.Mask, checkerboard.Parity));
                var channel = Assert.IsType<BinaryMask>(Assert.IsType<Coupling>(steps[i + 4]).Split);
                Assert.Equal((CouplingMask.ChannelWise, i % 2), (channel.Mask, channel.Parity));
            }

            Assert.IsType<Squeeze>(steps[3]);
            Assert.True(model.Levels[level].IsSplit);
        }

        var final = model.Levels[2].Steps;
        Assert.Equal(4, final.Count);
        Assert.All(final, s => Assert.Equal(CouplingMask.Checkerboard, ((BinaryMask)Assert.IsType<Coupling>(s).Split).Mask));
        Assert.Equal([[2, 14, 14], [4, 7, 7], [4, 7, 7]], model.LatentShapes);
    }

    [Fact]
    public void Checkerboard_only_and_actnorm_variants_replace_the_channel_masks_and_the_batch_norms()
    {
        var model = RealNvp.Create([1, 8, 8], new Rng(95), scales: 2, hiddenChannels: 4, residualBlocks: 1, stepNorm: StepNormalization.ActNorm, logitAlpha: null, channelMasks: false);
        var steps = model.Levels[0].Steps;
        Assert.Equal(13, steps.Count); // 3 couplings with an ActNorm each, squeeze, 3 couplings with an ActNorm each
        Assert.IsType<Squeeze>(steps[6]);
        var couplings = steps.OfType<Coupling>().ToList();
        Assert.Equal(6, couplings.Count);
        Assert.All(couplings, c => Assert.Equal(CouplingMask.Checkerboard, ((BinaryMask)c.Split).Mask));
        // The parities alternate within each side of the squeeze (a squeezed position holds four pixels of both colours).
        Assert.Equal([0, 1, 0, 0, 1, 0], couplings.Select(c => ((BinaryMask)c.Split).Parity));
        Assert.Equal(10, model.Levels.Sum(l => l.Steps.OfType<ActNorm>().Count()));
        Assert.DoesNotContain(model.Levels.SelectMany(l => l.Steps), s => s is BatchNormBijector);
    }

    [Fact]
    public void The_actnorm_checkerboard_variant_with_a_centred_logit_is_exact_against_a_brute_force_log_det()
    {
        var rng = new Rng(96);
        var model = RealNvp.Create([1, 4, 4], rng, scales: 2, hiddenChannels: 4, residualBlocks: 1, stepNorm: StepNormalization.ActNorm, logitAlpha: 0.05f, channelMasks: false, logitOffset: 0.5f);
        TwoDTraining.Randomize(model, rng, 0.2f);
        model.Training = false;
        var x = Images(rng, 1, 1, 4, 4);
        for (int i = 0; i < x.Length; i++)
        {
            x.Span[i] -= 0.5f; // centred data, as the command line feeds RealNVP
        }

        AssertLogProbIsExact(model, x);
    }

    [Fact]
    public void Decode_inverts_encode_on_mnist_shaped_input()
    {
        var rng = new Rng(91);
        var model = Randomised([1, 28, 28], 3, rng);
        var x = Images(rng, 2, 1, 28, 28);
        var latents = model.Encode(x);
        Assert.Equal(3, latents.Count);
        var back = model.Decode(latents);
        float maxError = 0;
        for (int i = 0; i < x.Length; i++)
        {
            maxError = Math.Max(maxError, Math.Abs(back.Span[i] - x.Span[i]));
        }

        Assert.True(maxError < 1e-4f, $"max |Decode(Encode(x)) − x| = {maxError}");

    }

    [Fact]
    public void Log_prob_equals_latent_densities_plus_brute_force_log_det_of_the_whole_map()
    {
        var rng = new Rng(92);
        var model = Randomised([1, 4, 4], 2, rng, std: 0.2f);
        var x = Images(rng, 1, 1, 4, 4);
        AssertLogProbIsExact(model, x);
    }

    /// <summary>log p(x) = Σ log N(z) + log|det ∂z/∂x| with the Jacobian of Encode by central differences in float.</summary>
    private static void AssertLogProbIsExact(MultiScaleFlow model, Tensor x)
    {
        double logProb = model.LogProb(Variable.Constant(x)).Item();

        double logNormal = 0;
        foreach (var z in model.Encode(x))
        {
            foreach (float v in z.Span)
            {
                logNormal += (-0.5 * v * v) - (0.5 * Math.Log(2 * Math.PI));
            }
        }

        const int d = 16;
        const float h = 2e-3f;
        var jacobian = new double[d * d];
        for (int j = 0; j < d; j++)
        {
            var plus = x.Clone();
            var minus = x.Clone();
            plus.Span[j] += h;
            minus.Span[j] -= h;
            var zp = Concat(model.Encode(plus));
            var zm = Concat(model.Encode(minus));
            for (int i = 0; i < d; i++)
            {
                jacobian[(i * d) + j] = (zp[i] - zm[i]) / (2.0 * h);
            }
        }

        var matrix = MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.DenseOfRowMajor(d, d, jacobian);
        double logDet = Math.Log(Math.Abs(matrix.Determinant()));
        Assert.Equal(logNormal + logDet, logProb, 0.05 * Math.Max(1, Math.Abs(logDet) / 10));
    }

    [Fact]
    public void Every_parameter_receives_a_gradient_and_the_loss_falls_on_tiny_data()
    {
        var rng = new Rng(93);
        var model = Randomised([1, 4, 4], 2, rng);
        model.Training = true;
        var data = Images(rng, 16, 1, 4, 4);
        var loss = Ops.Neg(Ops.Mean(model.LogProb(Variable.Constant(data.Clone()))));
        loss.Backward();
        foreach (var (name, p) in model.NamedParameters())
        {
            Assert.True(p.Grad is not null, $"{name} has no gradient.");
            Assert.Contains(p.Grad!.ToArray(), g => g != 0f);
        }

        loss.ReleaseGraph();
        double before = TwoDTraining.MeanNll(model, data);
        TwoDTraining.Train(model, data, steps: 30, batch: 16, learningRate: 1e-2, rng);
        double after = TwoDTraining.MeanNll(model, data);
        Console.WriteLine($"NLL {before} → {after}");
        Assert.True(after < before - 1.0, $"NLL {before} → {after}");
    }

    [Fact]
    public void Samples_have_the_data_shape_and_lie_in_the_unit_interval()
    {
        var rng = new Rng(94);
        var model = Randomised([1, 8, 8], 2, rng);
        var samples = model.Sample(3, 0.7f, new Rng(5));
        Assert.Equal([3, 1, 8, 8], samples.Shape);

        // The logit preprocessing maps back to [−α/(1−2α), 1 + α/(1−2α)].
        Assert.All(samples.ToArray(), v => Assert.InRange(v, -0.06f, 1.06f));
    }

    private static float[] Concat(IReadOnlyList<Tensor> latents)
    {
        var all = new List<float>();
        foreach (var z in latents)
        {
            all.AddRange(z.ToArray());
        }

        return [.. all];
    }
}
