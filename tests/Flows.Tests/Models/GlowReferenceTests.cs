using Flows.Autodiff;
using Flows.IO;
using Flows.Models;
using Xunit.Abstractions;

namespace Flows.Tests.Models;

/// <summary>
/// The shared reference vector (shared/reference/README.md): a glow-mnist model with random non-trivial
/// parameters, eight preprocessed MNIST images, and log p(x) and both latents as an independent
/// implementation of the spec computes them.
/// </summary>
public sealed class GlowReferenceTests(ITestOutputHelper output)
{
    private static readonly string ReferencePath = Path.Combine(AppContext.BaseDirectory, "TestData", "glow-mnist-reference.safetensors");

    [Theory]
    [InlineData(GlowMixing.Lu)]
    [InlineData(GlowMixing.Plain)]
    public void Reproduces_the_reference_log_likelihood_and_latents(GlowMixing mixing)
    {
        var tensors = SafeTensors.Read(ReferencePath);
        var model = Glow.Create(GlowConfig.Benchmark with { Mixing = mixing }, new Rng(1));
        var used = Glow.LoadParameters(model, tensors);
        Assert.Equal(tensors.Count - 4, used.Count); // all but x, logp, z.level0, z.level1
        model.Training = false;

        var x = tensors["x"];
        var logp = model.LogProb(Variable.Constant(x)).Value;
        var expected = tensors["logp"];
        double worst = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            worst = Math.Max(worst, Math.Abs(logp.Span[i] - expected.Span[i]));
        }

        output.WriteLine($"{mixing}: max |log p − reference| = {worst:G3} nats (reference log p[0] = {expected.Span[0]})");
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(logp.Span[i] - expected.Span[i]) < 1e-2, $"image {i}: log p {logp.Span[i]}, reference {expected.Span[i]}");
        }

        var latents = model.Encode(x);
        AssertClose(tensors["z.level0"], latents[0], 1e-4f, "z.level0");
        AssertClose(tensors["z.level1"], latents[1], 1e-4f, "z.level1");
    }

    [Fact]
    public void Benchmark_model_has_the_specified_parameter_count()
    {
        var model = Glow.Create(GlowConfig.Benchmark, new Rng(1));
        Assert.Equal(437_328, model.ParameterCount());
    }

    private void AssertClose(Tensor expected, Tensor actual, float tolerance, string what)
    {
        Assert.Equal(expected.Shape, actual.Shape);
        float max = 0;
        int at = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            float d = Math.Abs(expected.Span[i] - actual.Span[i]);
            if (d > max)
            {
                max = d;
                at = i;
            }
        }

        output.WriteLine($"{what}: max |difference| = {max:G3}");
        Assert.True(max < tolerance, $"{what}: max |difference| {max} at element {at} (reference {expected.Span[at]}, ours {actual.Span[at]}).");
    }
}
