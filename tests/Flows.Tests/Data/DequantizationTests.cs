using Flows.Data;

namespace Flows.Tests.Data;

public class DequantizationTests
{
    [Theory]
    [InlineData(8)]
    [InlineData(5)]
    [InlineData(1)]
    public void EveryPixelLandsInItsBinAndMapsBack(int bits)
    {
        var dq = new Dequantization(bits);
        var pixels = new byte[256];
        for (int i = 0; i < 256; i++)
        {
            pixels[i] = (byte)i;
        }

        var x = new float[256];
        var back = new byte[256];
        var rng = new Rng(5);
        for (int trial = 0; trial < 20; trial++)
        {
            dq.Apply(pixels, x, rng);
            for (int i = 0; i < 256; i++)
            {
                // Glow: bin k = ⌊pixel / 2^(8−bits)⌋ covers [k/b − ½, (k+1)/b − ½).
                int k = i >> (8 - bits);
                double lo = ((double)k / dq.Bins) - 0.5, hi = ((double)(k + 1) / dq.Bins) - 0.5;
                Assert.InRange(x[i], lo, hi);
                Assert.True(x[i] < hi);
            }

            dq.ToPixels(x, back);
            for (int i = 0; i < 256; i++)
            {
                Assert.Equal((i >> (8 - bits)) << (8 - bits), back[i]);
            }
        }
    }

    [Fact]
    public void TheNoiseIsFreshEachTimeAndUniform()
    {
        var dq = new Dequantization(8);
        var rng = new Rng(11);
        var pixels = new byte[20000];
        var x = new float[pixels.Length];
        dq.Apply(pixels, x, rng);
        // For pixel 0: u = 256·(x + ½) ~ U[0, 1): mean ½, variance 1/12.
        double mean = 0, sq = 0;
        foreach (float v in x)
        {
            double u = 256 * (v + 0.5);
            mean += u;
            sq += u * u;
        }

        mean /= x.Length;
        double variance = (sq / x.Length) - (mean * mean);
        Assert.InRange(mean, 0.49, 0.51);
        Assert.InRange(variance, 1.0 / 12 - 0.004, 1.0 / 12 + 0.004);
        var again = new float[x.Length];
        dq.Apply(pixels, again, rng);
        Assert.NotEqual(x, again);
    }

    [Theory]
    [InlineData(8)]
    [InlineData(5)]
    public void AUniformDensityOnTheCubeHasBitsPerDimEqualToTheBits(int bits)
    {
        // The uniform density on [−½, ½)^D has log p = 0; each of the 2^bits bins per dimension then has
        // probability 2^−bits, i.e. exactly `bits` bits per dimension.
        Assert.Equal(bits, Dequantization.BitsPerDim(0, 784, bits), 12);
        // A density twice as large (log p = D ln 2) saves one bit per dimension.
        Assert.Equal(bits - 1, Dequantization.BitsPerDim(784 * Math.Log(2), 784, bits), 12);
    }
}
