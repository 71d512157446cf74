
namespace Flows.Tests.Determinism;

/// <summary>
/// Known-answer tests for <see cref="Rng"/>: checkpoints and the shared reference vectors rely on the stream never
/// changing. The expected values come from an independent Python implementation of SplitMix64 seeding and
/// xoshiro256** (Blackman and Vigna); seed 0's state is SplitMix64's well-known first outputs.
/// </summary>
public sealed class RngTests
{
    [Fact]
    public void Seed_zero_state_is_the_first_four_splitmix64_outputs()
    {
        Assert.Equal([0xE220A8397B1DCDAFUL, 0x6E789E6AA1B965F4UL, 0x06C45D188009454FUL, 0xF88BB8A8724C81ECUL], new Rng(0).State);
    }

    [Fact]
    public void First_raw_outputs_for_seed_42()
    {
        var rng = new Rng(42);
        Assert.Equal(0x15780B2E0C2EC716UL, rng.NextUInt64());
        Assert.Equal(0x6104D9866D113A7EUL, rng.NextUInt64());
        Assert.Equal(0xAE17533239E499A1UL, rng.NextUInt64());
        Assert.Equal(0xECB8AD4703B360A1UL, rng.NextUInt64());
    }

    [Fact]
    public void First_uniform_floats_for_seed_42()
    {
        var values = new float[4];
        new Rng(42).FillUniform(values);
        Assert.Equal([0.08386296033859253f, 0.37898021936416626f, 0.6800433993339539f, 0.9246929287910461f], values);
    }

    [Fact]
    public void First_normals_for_seed_42()
    {
        var rng = new Rng(42);
        double[] expected = [-0.303263064678738, 1.3438117634372806, 0.3834617912676943, 0.9369624250258953];
        foreach (double e in expected)
        {
            // Box–Muller goes through the platform's log and cos: allow an ulp or two.
            Assert.Equal(e, rng.NextNormal(), 1e-14);
        }
    }

    [Fact]
    public void First_float_normals_for_seed_7()
    {
        var values = new float[3];
        new Rng(7).FillNormal(values);
        Assert.Equal([-0.27902400493621826f, 1.899768590927124f, 2.136306047439575f], values);
    }

    [Fact]
    public void Saved_state_resumes_the_stream_exactly()
    {
        var rng = new Rng(123);
        for (int i = 0; i < 17; i++)
        {
            rng.NextUInt64();
        }

        ulong[] saved = rng.State;
        var expected = new float[50];
        rng.FillNormal(expected);

        var resumed = new Rng(999) { State = saved };
        var actual = new float[50];
        resumed.FillNormal(actual);
        Assert.Equal(expected, actual);

        rng.State = saved;
        var again = new float[50];
        rng.FillNormal(again);
        Assert.Equal(expected, again);
    }

    [Fact]
    public void State_is_a_copy_and_rejects_wrong_lengths()
    {
        var rng = new Rng(5);
        var s = rng.State;
        s[0] ^= 1;
        Assert.NotEqual(s[0], rng.State[0]);
        Assert.Throws<ArgumentException>(() => rng.State = new ulong[3]);
    }

    [Fact]
    public void Different_seeds_give_different_streams()
    {
        Assert.NotEqual(new Rng(1).NextUInt64(), new Rng(2).NextUInt64());
    }

    [Fact]
    public void Uniform_floats_lie_in_the_unit_interval_and_have_the_right_mean()
    {
        var values = new float[100_000];
        new Rng(3).FillUniform(values);
        double sum = 0;
        foreach (float v in values)
        {
            Assert.InRange(v, 0f, 0.99999994f);
            sum += v;
        }

        // Standard error of the mean is 1/√(12·10⁵) ≈ 0.0009; 5 sigma.
        Assert.InRange(sum / values.Length, 0.5 - 0.0046, 0.5 + 0.0046);
    }

    [Fact]
    public void Normals_have_zero_mean_and_unit_variance()
    {
        var values = new float[100_000];
        new Rng(4).FillNormal(values);
        double sum = 0, sumSq = 0;
        foreach (float v in values)
        {
            sum += v;
            sumSq += (double)v * v;
        }

        double mean = sum / values.Length;
        double variance = (sumSq / values.Length) - (mean * mean);
        Assert.InRange(mean, -0.016, 0.016); // 5 standard errors
        Assert.InRange(variance, 1 - 0.023, 1 + 0.023); // 5 standard errors (√(2/10⁵) ≈ 0.0045)
    }
}
