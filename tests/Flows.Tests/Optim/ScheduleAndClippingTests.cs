using Flows.Autodiff;
using Flows.Optim;

namespace Flows.Tests.Optim;

public sealed class ScheduleAndClippingTests
{
    [Fact]
    public void Linear_warmup_ramps_from_rate_over_steps_to_rate()
    {
        var s = new LinearWarmup(0.001, 4);
        Assert.Equal(0.00025, s.LearningRateAt(1), 15);
        Assert.Equal(0.0005, s.LearningRateAt(2), 15);
        Assert.Equal(0.00075, s.LearningRateAt(3), 15);
        Assert.Equal(0.001, s.LearningRateAt(4), 15);
        Assert.Equal(0.001, s.LearningRateAt(1000), 15);
        Assert.Equal(0.001, new LinearWarmup(0.001, 0).LearningRateAt(1), 15);
        Assert.Throws<ArgumentOutOfRangeException>(() => s.LearningRateAt(0));
    }

    [Fact]
    public void Warmup_cosine_ramps_then_follows_a_half_cosine_to_the_floor_by_the_last_step()
    {
        var s = new WarmupCosine(0.001, 4, 104, floorFraction: 0.1);
        Assert.Equal(0.00025, s.LearningRateAt(1), 15);
        Assert.Equal(0.001, s.LearningRateAt(4), 15); // the decay starts where the ramp ends
        Assert.Equal(0.0001 + (0.0009 * 0.5), s.LearningRateAt(54), 15); // half way: the midpoint
        Assert.Equal(0.0001 + (0.0009 * 0.5 * (1 + Math.Cos(Math.PI * 0.25))), s.LearningRateAt(29), 15);
        Assert.Equal(0.0001, s.LearningRateAt(104), 15);
        Assert.Equal(0.0001, s.LearningRateAt(500), 15);
        for (long t = 5; t <= 104; t++)
        {
            Assert.True(s.LearningRateAt(t) <= s.LearningRateAt(t - 1)); // never rises after warm-up
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => s.LearningRateAt(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new WarmupCosine(0.001, 4, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new WarmupCosine(0.001, 4, 10, 1.5));
    }

    [Fact]
    public void Warmup_cosine_by_progress_follows_the_fraction_done_instead_of_the_step()
    {
        var s = new WarmupCosine(0.002, 10, 1) { Progress = 0.5 };
        Assert.Equal(0.0002, s.LearningRateAt(1), 15); // the warm-up still counts steps
        Assert.Equal(0.001, s.LearningRateAt(50), 15);
        s.Progress = 1.2; // a run past its time budget stays at the floor
        Assert.Equal(0, s.LearningRateAt(60), 15);
    }

    [Fact]
    public void Apply_sets_the_rate_of_the_next_step()
    {
        var p = Variable.Parameter(Tensor.Zeros(1));
        var opt = new Sgd([("p", p)], 1.0);
        var s = new LinearWarmup(1.0, 10);
        var rates = new List<double>();
        for (int i = 0; i < 3; i++)
        {
            s.Apply(opt);
            rates.Add(opt.LearningRate);
            opt.Step();
        }

        Assert.Equal([0.1, 0.2, 0.3], rates);
    }

    [Fact]
    public void Clip_by_global_norm_returns_the_norm_and_rescales_to_max()
    {
        var a = Variable.Parameter(Tensor.Zeros(2));
        var b = Variable.Parameter(Tensor.Zeros(2, 2));
        var none = Variable.Parameter(Tensor.Zeros(3));
        a.AccumulateGrad(Tensor.FromArray([3f, 0f], 2));
        b.AccumulateGrad(Tensor.FromArray([0f, 4f, 0f, 12f], 2, 2));
        double norm = GradientClipping.ClipByGlobalNorm([a, b, none], 6.5);
        Assert.Equal(13.0, norm, 6);
        double after = Math.Sqrt(SumSquares(a.Grad!) + SumSquares(b.Grad!));
        Assert.Equal(6.5, after, 4);
        Assert.Equal(3f / 13f * 6.5f, a.Grad!.Span[0], 4);
        Assert.Null(none.Grad);
    }

    [Fact]
    public void Clip_by_global_norm_leaves_small_gradients_alone()
    {
        var a = Variable.Parameter(Tensor.Zeros(2));
        a.AccumulateGrad(Tensor.FromArray([0.3f, -0.4f], 2));
        double norm = GradientClipping.ClipByGlobalNorm([("a", a)], 1.0);
        Assert.Equal(0.5, norm, 6);
        Assert.Equal([0.3f, -0.4f], a.Grad!.ToArray());
    }

    private static double SumSquares(Tensor t)
    {
        double s = 0;
        foreach (float v in t.Span)
        {
            s += (double)v * v;
        }

        return s;
    }
}
