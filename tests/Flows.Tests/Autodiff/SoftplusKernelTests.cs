using Flows.Autodiff;

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

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void The_vector_loop_gives_the_bits_of_the_scalar_loop_it_replaced(bool negate)
    {
        // The scalar loop, applied to the same SIMD exp and log, element by element.
        var rng = new Rng(7);
        float[] specials = [0f, -0f, 1e-8f, -1e-30f, 16.6f, -17f, 88.7f, -100f, 3e38f, float.PositiveInfinity, float.NegativeInfinity, float.NaN];
        var x = new float[600];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = i % 7 == 0 ? specials[i / 7 % specials.Length] : (float)(rng.NextNormal() * 10);
        }

        var e = new float[x.Length];
        var l = new float[x.Length];
        System.Numerics.Tensors.TensorPrimitives.Abs(x, e);
        System.Numerics.Tensors.TensorPrimitives.Negate(e, e);
        System.Numerics.Tensors.TensorPrimitives.Exp(e, e);
        System.Numerics.Tensors.TensorPrimitives.Add(e, 1f, l);
        System.Numerics.Tensors.TensorPrimitives.Log(l, l);
        var expected = new float[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            float u = 1f + e[i];
            float log1p = u == 1f ? e[i] : l[i] * e[i] / (u - 1f);
            float sp = MathF.Max(negate ? -x[i] : x[i], 0f) + log1p;
            expected[i] = negate ? -sp : sp;
        }

        var actual = new float[x.Length];
        Ops.SoftplusInto(x, actual, negate);
        Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), actual.Select(BitConverter.SingleToInt32Bits));
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
