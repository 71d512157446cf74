using Flows.Models;

namespace Flows.Tests.Models;

/// <summary>The estimate of ordinary back-propagation's stored activations that decides the default backprop.</summary>
public sealed class GlowActivationMemoryTests
{
    [Fact]
    public void Glow_mnist_at_batch_64_stores_an_estimated_0_4_GB_and_trains_with_ordinary_backprop()
    {
        // By hand: level 1 is 4x14x14, level 2 is 8x7x7; per step and position 6 x channels + 6 x 128 floats.
        // 8 x 196 x (24 + 768) + 8 x 49 x (48 + 768) = 1,241,856 + 319,872 = 1,561,728 floats per image.
        long expected = 1_561_728L * 64 * sizeof(float);
        Assert.Equal(expected, GlowConfig.Benchmark.EstimatedActivationBytes(64));
        Assert.False(GlowConfig.Benchmark.NeedsMemoryEfficientBackprop(64));
    }

    [Fact]
    public void The_estimate_grows_linearly_with_depth_and_batch_and_switches_deep_or_wide_models_to_memory_efficient()
    {
        var config = GlowConfig.Benchmark;
        Assert.Equal(2 * config.EstimatedActivationBytes(64), (config with { StepsPerLevel = 16 }).EstimatedActivationBytes(64));
        Assert.Equal(4 * config.EstimatedActivationBytes(16), config.EstimatedActivationBytes(64));
        Assert.True((config with { StepsPerLevel = 32 }).NeedsMemoryEfficientBackprop(64));
        Assert.True((config with { Hidden = 512 }).NeedsMemoryEfficientBackprop(64));
        Assert.True(config.NeedsMemoryEfficientBackprop(256));
        Assert.Throws<ArgumentOutOfRangeException>(() => config.EstimatedActivationBytes(0));
    }
}
