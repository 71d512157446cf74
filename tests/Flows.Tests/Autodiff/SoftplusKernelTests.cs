using Flows.Autodiff;
using Flows.Kernels;

namespace Flows.Tests.Autodiff;

/// <summary>The SIMD softplus / log-sigmoid path against its double-precision scalar twin.</summary>
public sealed class SoftplusKernelTests
{
    [Fact]
    public void Every_length_up_to_600_matches_the_scalar_reference()
    {
        var rng = new Rng(1);
        for (int n = 0; n <= 600; n++)
        {
            var x = new float[n];
            for (int i = 0; i < n; i++)
            {
                x[i] = (float)(rng.NextNormal() * 10);
            }

            AssertMatches(x, negate: false);
            AssertMatches(x, negate: true);
        }
    }

    [Fact]
    public void Extreme_and_special_values_match_the_scalar_reference()
    {
        float[] x = [0f, -0f, 1e-8f, -1e-8f, 1e-3f, -1e-3f, 0.5f, -0.5f, 15f, -15f, 16.6f, -16.6f, 17f, -17f, 30f, -30f, 80f, -80f, 87f, -87f, 88.7f, -88.7f, 100f, -100f, 1e4f, -1e4f, 3e38f, -3e38f];
        AssertMatches(x, negate: false);
        AssertMatches(x, negate: true);
    }

    [Fact]
    public void Works_in_place()
    {
        float[] x = [-3f, -0.1f, 0f, 2f, 40f];
        var expected = new float[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            expected[i] = -Ops.StableSoftplus(-x[i]);
        }

        Ops.SoftplusInto(x, x, negate: true);
        for (int i = 0; i < x.Length; i++)
        {
            Assert.True(WithinUlps(x[i], expected[i], 4), $"{x[i]} vs {expected[i]}");
        }
    }

    [Fact]
    public void Infinities_and_nan_propagate_sensibly()
    {
        float[] x = [float.PositiveInfinity, float.NegativeInfinity, float.NaN];
        var y = new float[3];
        Ops.SoftplusInto(x, y, negate: false);
        Assert.Equal(float.PositiveInfinity, y[0]);
        Assert.Equal(0f, y[1]);
        Assert.True(float.IsNaN(y[2]));
    }

    private static void AssertMatches(float[] x, bool negate)
    {
        var y = new float[x.Length];
        Ops.SoftplusInto(x, y, negate);
        for (int i = 0; i < x.Length; i++)
        {
            float expected = negate ? -Ops.StableSoftplus(-x[i]) : Ops.StableSoftplus(x[i]);
            Assert.True(WithinUlps(y[i], expected, 4), $"x = {x[i]:R} (negate {negate}): {y[i]:R} vs reference {expected:R}");
        }
    }

    /// <summary>|a − b| within <paramref name="ulps"/> units in the last place of b (or both below the smallest normal).</summary>
    private static bool WithinUlps(float a, float b, int ulps)
    {
        if (a == b)
        {
            return true;
        }

        float ulp = MathF.BitIncrement(MathF.Abs(b)) - MathF.Abs(b);
        return Math.Abs(a - b) <= (ulps * ulp) + 1e-44f;
    }
}
