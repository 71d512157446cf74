using Flows.Autodiff;
using Flows.IO;
using Flows.Models;

namespace Flows.Tests.Models;

/// <summary>
/// Reversible back-propagation on the benchmark model: with the reference vector's non-trivial parameters
/// (no layer is an identity) and with a freshly initialised model (ActNorm's data-dependent init), the
/// log-likelihood and every parameter's gradient must equal ordinary back-propagation.
/// </summary>
public sealed class MemoryEfficientGlowTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const double Tolerance = 1e-4;
    private static readonly string ReferencePath = Path.Combine(AppContext.BaseDirectory, "TestData", "glow-mnist-reference.safetensors");

    [Fact]
    public void Reference_model_gradients_equal_ordinary_backprop()
    {
        var tensors = SafeTensors.Read(ReferencePath);
        var model = Glow.Create(GlowConfig.Benchmark, new Rng(1));
        Glow.LoadParameters(model, tensors);
        var x = tensors["x"];

        model.MemoryEfficientBackprop = false;
        var (plainLogp, plainGrads) = LogProbAndGradients(model, x);
        model.MemoryEfficientBackprop = true;
        var (reversibleLogp, reversibleGrads) = LogProbAndGradients(model, x);

        AssertSame(plainLogp, reversibleLogp, plainGrads, reversibleGrads);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Repeated_backward_passes_give_identical_bits(bool memoryEfficient)
    {
        var tensors = SafeTensors.Read(ReferencePath);
        var model = Glow.Create(GlowConfig.Benchmark, new Rng(1));
        Glow.LoadParameters(model, tensors);
        model.MemoryEfficientBackprop = memoryEfficient;
        var (logp1, grads1) = LogProbAndGradients(model, tensors["x"]);
        var (logp2, grads2) = LogProbAndGradients(model, tensors["x"]);
        Assert.Equal(logp1, logp2);
        foreach (var ((name, a), (_, b)) in grads1.Zip(grads2))
        {
            Assert.True(a.AsSpan().SequenceEqual(b), $"{name} differs between two identical backward passes");
        }
    }

    [Fact]
    public void A_glow_with_a_logit_first_gives_ordinary_backprops_gradients_and_inverts()
    {
        var config = GlowConfig.Benchmark with { StepsPerLevel = 2, Hidden = 16, LogitAlpha = 0.05f };
        var plainModel = Glow.Create(config with { MemoryEfficientBackprop = false }, new Rng(8));
        var reversibleModel = Glow.Create(config with { MemoryEfficientBackprop = true }, new Rng(8));
        Assert.IsType<Flows.Bijectors.LogitTransform>(plainModel.Levels[0].Steps[0]);
        var x = Tensor.Zeros(4, 1, 28, 28);
        new Rng(9).FillUniform(x.Span, -0.49f, 0.49f);
        var (plainLogp, plainGrads) = LogProbAndGradients(plainModel, x);
        var (reversibleLogp, reversibleGrads) = LogProbAndGradients(reversibleModel, x);
        AssertSame(plainLogp, reversibleLogp, plainGrads, reversibleGrads);

        plainModel.Training = false;
        var back = plainModel.Decode(plainModel.Encode(x));
        float worst = 0;
        for (int i = 0; i < x.Length; i++)
        {
            worst = Math.Max(worst, Math.Abs(back.Span[i] - x.Span[i]));
        }

        Assert.True(worst < 1e-4f, $"max |Decode(Encode(x)) − x| = {worst}");
    }

    [Fact]
    public void Fresh_model_with_data_dependent_init_matches_ordinary_backprop()
    {
        // Two identical fresh models (K = 2 for speed): ActNorm initialises on the first batch of each.
        var config = GlowConfig.Benchmark with { StepsPerLevel = 2, Hidden = 16 };
        var plainModel = Glow.Create(config with { MemoryEfficientBackprop = false }, new Rng(5));
        var reversibleModel = Glow.Create(config with { MemoryEfficientBackprop = true }, new Rng(5));
        Assert.False(plainModel.MemoryEfficientBackprop);
        Assert.True(reversibleModel.MemoryEfficientBackprop);
        var x = Tensor.Zeros(6, 1, 28, 28);
        new Rng(6).FillUniform(x.Span, -0.5f, 0.5f);

        // Zero-initialised couplings are identities: take a few optimiser-free random nudges first so the
        // second comparison runs on non-trivial couplings too.
        var (plainLogp, plainGrads) = LogProbAndGradients(plainModel, x);
        var (reversibleLogp, reversibleGrads) = LogProbAndGradients(reversibleModel, x);
        AssertSame(plainLogp, reversibleLogp, plainGrads, reversibleGrads);

        var noise = new Rng(7);
        foreach (var ((_, p), (_, q)) in plainModel.NamedParameters().Zip(reversibleModel.NamedParameters()))
        {
            for (int i = 0; i < p.Value.Length; i++)
            {
                float delta = 0.05f * (float)noise.NextNormal();
                p.Value.Span[i] += delta;
                q.Value.Span[i] += delta;
            }
        }

        (plainLogp, plainGrads) = LogProbAndGradients(plainModel, x);
        (reversibleLogp, reversibleGrads) = LogProbAndGradients(reversibleModel, x);
        AssertSame(plainLogp, reversibleLogp, plainGrads, reversibleGrads);
    }

    private static (float[] LogProb, List<(string Name, float[] Grad)> Grads) LogProbAndGradients(MultiScaleFlow model, Tensor x)
    {
        model.Training = true;
        model.ZeroGrad();
        var logp = model.LogProb(Variable.Constant(x));
        var values = logp.Value.ToArray();
        var loss = Ops.Mean(logp);
        loss.Backward();
        var grads = new List<(string, float[])>();
        foreach (var (name, p) in model.NamedParameters())
        {
            grads.Add((name, p.Grad?.ToArray() ?? new float[p.Value.Length]));
        }

        loss.ReleaseGraph();
        model.ZeroGrad();
        return (values, grads);
    }

    private void AssertSame(float[] plainLogp, float[] reversibleLogp, List<(string Name, float[] Grad)> plain, List<(string Name, float[] Grad)> reversible)
    {
        for (int i = 0; i < plainLogp.Length; i++)
        {
            Assert.True(Math.Abs(plainLogp[i] - reversibleLogp[i]) <= 1e-3 * Math.Max(1, Math.Abs(plainLogp[i])), $"log p of image {i}: {plainLogp[i]} vs {reversibleLogp[i]}");
        }

        Assert.Equal(plain.Count, reversible.Count);
        int nonZero = 0;
        double worst = 0;
        string worstName = string.Empty;
        for (int j = 0; j < plain.Count; j++)
        {
            var (name, a) = plain[j];
            var b = reversible[j].Grad;
            double num = 0, den = 0;
            for (int i = 0; i < a.Length; i++)
            {
                num += Math.Pow(a[i] - (double)b[i], 2);
                den += Math.Pow(a[i], 2);
            }

            if (den > 0)
            {
                nonZero++;
            }

            double rel = Math.Sqrt(num) / Math.Max(Math.Sqrt(den), 1e-20);
            if (rel > worst)
            {
                (worst, worstName) = (rel, name);
            }

        }

        foreach (var ((name, a), (_, b)) in plain.Zip(reversible))
        {
            Assert.True(a.Any(v => v != 0) || b.All(v => v == 0), $"{name}: gradient where ordinary backprop has none");
        }

        Assert.True(worst < Tolerance, $"{worstName}: relative gradient difference {worst:E2}");

        output.WriteLine($"worst relative gradient difference {worst:E2} ({worstName})");
        Assert.True(nonZero > plain.Count / 2, $"only {nonZero} of {plain.Count} parameters received a gradient");
    }
}
