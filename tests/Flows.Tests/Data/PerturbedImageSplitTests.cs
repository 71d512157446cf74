using Flows.Data;

namespace Flows.Tests.Data;

/// <summary>The background model's perturbation replaces about the stated share of pixels, reproducibly, and only when noise is drawn.</summary>
public sealed class PerturbedImageSplitTests
{
    [Fact]
    public void About_rate_of_the_pixels_become_random_and_the_same_seed_gives_the_same_batch()
    {
        var set = new ImageSet(new byte[100 * 64], 100, 1, 8, 8); // all black
        var clean = new ImageSplit(set, new Dequantization(8));
        var perturbed = new PerturbedImageSplit(clean, 0.25);
        int[] indices = [.. Enumerable.Range(0, 100)];

        var a = perturbed.Batch(indices, new Rng(3));
        var b = perturbed.Batch(indices, new Rng(3));
        Assert.True(a.Span.SequenceEqual(b.Span));

        // A black pixel dequantizes into [−0.5, −0.5 + 1/256); a replaced one lands elsewhere unless the draw was 0.
        double changed = a.ToArray().Count(v => v >= -0.5 + (1 / 256.0)) / 6400.0;
        double expected = 0.25 * 255 / 256;
        Assert.InRange(changed, expected - (4 * Math.Sqrt(expected / 6400)), expected + (4 * Math.Sqrt(expected / 6400)));

        Assert.True(perturbed.Batch(indices, null).Span.SequenceEqual(clean.Batch(indices, null).Span));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PerturbedImageSplit(clean, 1));
    }
}
