using Flows.Checkpoints;

namespace Flows.Tests.Checkpoints;

/// <summary>The size estimate that refuses absurd models before anything is allocated is close to the real counts.</summary>
public sealed class ModelSizeTests
{
    [Theory]
    [InlineData("glow", 1, 28, 28, 2, 8, 128, 2)]
    [InlineData("glow", 3, 32, 32, 3, 4, 64, 2)]
    [InlineData("realnvp", 1, 28, 28, 2, 8, 32, 2)]
    [InlineData("nice", 1, 28, 28, 2, 4, 200, 4)]
    [InlineData("realnvp", 2, 0, 0, 2, 8, 64, 2)]
    [InlineData("glow", 2, 0, 0, 2, 6, 64, 2)]
    public void The_estimate_is_within_a_factor_of_two_of_the_built_model(string kind, int c, int h, int w, int levels, int k, int hidden, int layers)
    {
        var config = new ModelConfig
        {
            Kind = kind,
            DataShape = h == 0 ? [c] : [c, h, w],
            Levels = levels,
            StepsPerLevel = k,
            Hidden = hidden,
            HiddenLayers = layers,
            MemoryEfficientBackprop = false,
        };
        double actual = ModelFactory.Create(config).ParameterCount();
        double estimate = ModelFactory.EstimatedParameters(config);
        Assert.InRange(estimate / actual, 0.5, 2.0);
    }

    [Fact]
    public void A_model_that_cannot_fit_is_refused_with_the_estimate_before_allocation()
    {
        var huge = new ModelConfig { Kind = "glow", StepsPerLevel = 1_000_000 };
        var e = Assert.Throws<ArgumentException>(() => ModelFactory.Create(huge));
        Assert.Contains("parameters", e.Message, StringComparison.Ordinal);
        Assert.Contains("-K", e.Message, StringComparison.Ordinal);
        ModelFactory.CheckSize(new ModelConfig(), 1L << 30); // glow-mnist fits in 1 GiB
        Assert.Throws<ArgumentException>(() => ModelFactory.CheckSize(new ModelConfig(), 1L << 20));
    }

    [Fact]
    public void A_batch_whose_activations_cannot_fit_is_refused_with_the_estimate()
    {
        // glow-mnist at batch 64 stores ~0.40 GB with ordinary backprop: it fits in 1 GiB, batch 50,000 (~312 GB) does not.
        var ordinary = new ModelConfig { Kind = "glow", MemoryEfficientBackprop = false };
        ModelFactory.CheckActivations(ordinary, 64, 1L << 30);
        var e = Assert.Throws<ArgumentException>(() => ModelFactory.CheckActivations(ordinary, 50_000, 24L << 30));
        Assert.Contains("312 GB of activations", e.Message, StringComparison.Ordinal);
        Assert.Contains("--memory-efficient true", e.Message, StringComparison.Ordinal);

        // Memory-efficient back-propagation stores no step activations, so the same batch passes; a batch of
        // millions does not (its working copies alone).
        ModelFactory.CheckActivations(ordinary with { MemoryEfficientBackprop = true }, 50_000, 24L << 30);
        var vectors = new ModelConfig { Kind = "realnvp", DataShape = [2] };
        ModelFactory.CheckActivations(vectors, 1_000_000, 24L << 30);
        var images = Assert.Throws<ArgumentException>(() => ModelFactory.CheckActivations(new ModelConfig { Kind = "nice" }, 5_000_000, 24L << 30));
        Assert.Contains("--batch", images.Message, StringComparison.Ordinal);
    }
}
