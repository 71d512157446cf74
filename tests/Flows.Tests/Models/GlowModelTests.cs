using Flows.Autodiff;
using Flows.Bijectors;
using Flows.Distributions;
using Flows.IO;
using Flows.Models;
using Flows.Optim;
using Flows.Tests.Autodiff;
using Flows.Tests.Bijectors;

namespace Flows.Tests.Models;

/// <summary>Whole-model checks of Glow: exact inversion, change of variables, gradients and learning.</summary>
public sealed class GlowModelTests
{
    private static readonly string ReferencePath = Path.Combine(AppContext.BaseDirectory, "TestData", "glow-mnist-reference.safetensors");

    private static readonly GlowConfig Tiny = new() { DataShape = [1, 8, 8], Levels = 2, StepsPerLevel = 2, Hidden = 8 };

    /// <summary>The benchmark model at the reference vector's random, non-trivial parameters, and its eight images.</summary>
    private static (MultiScaleFlow Model, Tensor X) ReferenceModel()
    {
        var tensors = SafeTensors.Read(ReferencePath);
        var model = Glow.Create(GlowConfig.Benchmark, new Rng(1));
        Glow.LoadParameters(model, tensors);
        model.Training = false;
        return (model, tensors["x"]);
    }

    [Fact]
    public void Decode_inverts_encode_on_mnist_shaped_input()
    {
        var (model, x) = ReferenceModel();
        var back = model.Decode(model.Encode(x));
        Assert.True(MaxAbsDiff(x, back) < 1e-4f, $"max |Decode(Encode(x)) − x| = {MaxAbsDiff(x, back)}");
    }

    [Fact]
    public void Log_prob_without_recording_equals_the_recorded_log_prob()
    {
        // Without recording, steps run one at a time with their intermediates handed back to the pool;
        // the arithmetic must be the very same as the recorded graph's.
        var (model, x) = ReferenceModel();
        foreach (bool memoryEfficient in new[] { false, true })
        {
            model.MemoryEfficientBackprop = memoryEfficient;
            var recorded = model.LogProb(Variable.Constant(x));
            float[] expected = recorded.Value.ToArray();
            recorded.ReleaseGraph();
            float[] actual;
            using (Autograd.NoGrad())
            {
                actual = model.LogProb(Variable.Constant(x)).Value.ToArray();
            }

            if (memoryEfficient)
            {
                Assert.Equal(expected, actual); // both sum each level's log-dets first, in the same order
            }
            else
            {
                // The recorded graph adds each step's log-det to the running total instead: rounding only.
                for (int i = 0; i < expected.Length; i++)
                {
                    Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5f * Math.Abs(expected[i]), $"image {i}: {expected[i]} vs {actual[i]}");
                }
            }
        }
    }

    [Fact]
    public void Decode_equals_the_recorded_inverse_of_every_step_bit_for_bit()
    {
        var (model, x) = ReferenceModel();
        var latents = model.Encode(x);
        var before = latents.Select(t => t.ToArray()).ToList();
        var decoded = model.Decode(latents);

        // The same inverse pass written out with recording on (the graph path), level by level.
        Variable h = Variable.Constant(latents[^1]);
        for (int i = model.Levels.Count - 1; i >= 0; i--)
        {
            var level = model.Levels[i];
            if (level.IsSplit)
            {
                h = Ops.Concat(1, h, Variable.Constant(latents[i]));
            }

            for (int k = level.Steps.Count - 1; k >= 0; k--)
            {
                h = level.Steps[k].Inverse(h).X;
            }

            if (level.Squeeze)
            {
                h = Squeeze.Undo(h);
            }
        }

        Assert.Equal(h.Value.ToArray(), decoded.ToArray());
        for (int i = 0; i < latents.Count; i++)
        {
            Assert.Equal(before[i], latents[i].ToArray()); // the caller's latents are neither released nor changed
        }
    }

    [Fact]
    public void Sampled_latents_are_recovered_by_encoding_the_decoded_image()
    {
        var (model, _) = ReferenceModel();
        var rng = new Rng(5);
        var latents = model.LatentShapes.Select(s =>
        {
            var t = Tensor.Zeros([3, .. s]);
            rng.FillNormal(t.Span, 0f, 0.7f);
            return t;
        }).ToArray();
        var x = model.Decode(latents);
        var again = model.Encode(x);
        for (int i = 0; i < latents.Length; i++)
        {
            Assert.True(MaxAbsDiff(latents[i], again[i]) < 1e-3f, $"level {i}: max |Encode(Decode(z)) − z| = {MaxAbsDiff(latents[i], again[i])}");
        }

        var sample = model.Sample(3, 0.7f, new Rng(6));
        Assert.Equal([3, 1, 28, 28], sample.Shape);
        var roundTrip = model.Decode(model.Encode(sample));
        Assert.True(MaxAbsDiff(sample, roundTrip) < 1e-3f * Math.Max(1f, MaxAbs(sample)), $"max |Decode(Encode(sample)) − sample| = {MaxAbsDiff(sample, roundTrip)}");
    }

    [Fact]
    public void Sampling_is_deterministic_for_a_seed_and_temperature_scales_the_latents()
    {
        var (model, _) = ReferenceModel();
        var a = model.Sample(2, 0.5f, new Rng(9));
        var b = model.Sample(2, 0.5f, new Rng(9));
        Assert.Equal(a.ToArray(), b.ToArray());
        var coldX = model.Sample(4, 0f, new Rng(10));
        var cold = model.Encode(coldX);
        Assert.True(MaxAbs(cold[1]) < 1e-3f, $"temperature 0: top latent should be the N(0, I) mean, max |z| = {MaxAbs(cold[1])}");
        Variable h = Squeeze.Apply(Variable.Constant(coldX));
        foreach (var step in model.Levels[0].Steps)
        {
            h = step.Forward(h).Z;
        }

        var (mean, _) = ((SplitPrior)model.Levels[0].Prior!).Parameters(Ops.Slice(h, 1, 0, 2));
        Assert.True(MaxAbsDiff(mean.Value, cold[0]) < 1e-3f, $"temperature 0: factored latent should be the split prior's mean, max difference {MaxAbsDiff(mean.Value, cold[0])}");
    }

    /// <summary>log p(x) = Σ split-prior densities + top density + Σ step log-dets, recomputed level by level.</summary>
    [Fact]
    public void Log_prob_is_latent_densities_plus_step_log_dets()
    {
        var (model, x) = ReferenceModel();
        var logp = model.LogProb(Variable.Constant(x)).Value;
        var latents = model.Encode(x);
        var expected = new double[x.Shape[0]];
        Variable h = Variable.Constant(x);
        for (int i = 0; i < model.Levels.Count; i++)
        {
            h = Squeeze.Apply(h);
            foreach (var step in model.Levels[i].Steps)
            {
                var (next, logDet) = step.Forward(h);
                h = next;
                Add(expected, logDet.Value);
            }

            if (model.Levels[i].IsSplit)
            {
                int half = h.Shape[1] / 2;
                var kept = Ops.Slice(h, 1, 0, half);
                Add(expected, model.Levels[i].Prior!.LogProb(Variable.Constant(latents[i]), kept).Value);
                h = kept;
            }
        }

        Add(expected, new StandardNormal(model.LatentShapes[^1]).LogProb(Variable.Constant(latents[^1])).Value);
        for (int s = 0; s < expected.Length; s++)
        {
            Assert.True(Math.Abs(expected[s] - logp.Span[s]) < 1e-3 * Math.Max(1, Math.Abs(expected[s])), $"image {s}: LogProb {logp.Span[s]}, sum of parts {expected[s]}");
        }
    }

    [Fact]
    public void Input_gradient_of_log_prob_matches_central_differences()
    {
        var rng = new Rng(30);
        var model = Glow.Create(Tiny with { DataShape = [1, 4, 4], Hidden = 4, StepsPerLevel = 1 }, rng);
        GlowBijectorTests.Randomize(model, rng, 0.2f);
        model.Training = false;
        var x = BijectorContract.RandomInput(rng, 2, 1, 4, 4);
        var report = GradientCheck.Run(v => model.LogProb(v[0]), [x], rtol: 1e-2, atol: 1e-3);
        Assert.True(report.Passed, report.Details);
    }

    [Fact]
    public void Every_parameter_receives_a_gradient()
    {
        foreach (var config in new[] { Tiny, Tiny with { Coupling = GlowCouplingKind.Additive, Mixing = GlowMixing.Plain, LearnedTopPrior = true }, Tiny with { Mixing = GlowMixing.Shuffle, Classes = 3 } })
        {
            var rng = new Rng(31);
            var model = Glow.Create(config, rng);
            GlowBijectorTests.Randomize(model, rng, 0.2f);
            var x = BijectorContract.RandomInput(rng, 4, 1, 8, 8);
            var labels = config.Classes > 0 ? Variable.Constant(ClassConditionalGaussian.OneHot([0, 1, 2, 1], 3)) : null;
            var loss = Ops.Neg(Ops.Mean(model.LogProb(Variable.Constant(x), labels)));
            loss.Backward();
            foreach (var (name, p) in model.NamedParameters())
            {
                Assert.True(p.Grad is not null && p.Grad.ToArray().Any(g => g != 0f), $"{config.Coupling}/{config.Mixing}: '{name}' received no gradient.");
                Assert.All(p.Grad!.ToArray(), g => Assert.True(float.IsFinite(g)));
            }

            loss.ReleaseGraph();
        }
    }

    [Fact]
    public void Loss_falls_on_a_tiny_dataset()
    {
        var rng = new Rng(32);
        var model = Glow.Create(Tiny, rng);
        // Eight 8×8 images of bars at a few positions plus dequantisation-sized noise.
        var x = Tensor.Zeros(8, 1, 8, 8);
        for (int n = 0; n < 8; n++)
        {
            for (int i = 0; i < 64; i++)
            {
                bool bar = (i / 8) == (n % 4) * 2 || (i % 8) == (n / 4) * 3;
                x.Span[(n * 64) + i] = (bar ? 0.4f : -0.4f) + (0.02f * (rng.NextFloat() - 0.5f));
            }
        }

        var adam = new Adam(model.NamedParameters(), learningRate: 5e-3);
        float first = 0, last = 0;
        for (int step = 0; step < 30; step++)
        {
            adam.ZeroGrad();
            var loss = Ops.Neg(Ops.Mean(model.LogProb(Variable.Constant(x))));
            loss.Backward();
            float value = loss.Item();
            loss.ReleaseGraph();
            adam.Step();
            Assert.True(float.IsFinite(value), $"step {step}: loss {value}");
            if (step == 0)
            {
                first = value;
            }

            last = value;
        }

        Assert.True(last < first - 20f, $"loss went from {first} to {last} nats per image.");
    }

    [Fact]
    public void Save_then_load_gives_the_same_log_likelihood()
    {
        var rng = new Rng(33);
        var model = Glow.Create(Tiny, rng);
        GlowBijectorTests.Randomize(model, rng, 0.2f);
        model.Training = false;
        var x = BijectorContract.RandomInput(rng, 3, 1, 8, 8);
        var before = model.LogProb(Variable.Constant(x)).Value.ToArray();
        using var stream = new MemoryStream();
        SafeTensors.Write(stream, model.NamedParameters().Select(p => (p.Name, p.Value.Value)).Concat(model.NamedBuffers()));
        stream.Position = 0;
        var fresh = Glow.Create(Tiny, new Rng(99));
        Glow.LoadParameters(fresh, SafeTensors.Read(stream));
        fresh.Training = false;
        var after = fresh.LogProb(Variable.Constant(x)).Value.ToArray();
        Assert.Equal(before, after);
    }

    private static void Add(double[] total, Tensor perSample)
    {
        for (int i = 0; i < total.Length; i++)
        {
            total[i] += perSample.Span[i];
        }
    }

    private static float MaxAbsDiff(Tensor a, Tensor b)
    {
        float m = 0;
        for (int i = 0; i < a.Length; i++)
        {
            m = Math.Max(m, Math.Abs(a.Span[i] - b.Span[i]));
        }

        return m;
    }

    private static float MaxAbs(Tensor a) => a.ToArray().Max(Math.Abs);
}
