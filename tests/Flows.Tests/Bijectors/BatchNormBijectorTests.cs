using Flows.Autodiff;
using Flows.Bijectors;
using Flows.Tests.Models;

namespace Flows.Tests.Bijectors;

public sealed class BatchNormBijectorTests
{
    private static BatchNormBijector WithRunningStats(int[] eventShape, Rng rng)
    {
        var bn = new BatchNormBijector(eventShape);
        TwoDTraining.Randomize(bn, rng, 0.5f);
        rng.FillNormal(bn.RunningMean.Span, 0f, 2f);
        rng.FillUniform(bn.RunningVar.Span, 0.2f, 3f);
        bn.Training = false;
        return bn;
    }

    [Fact]
    public void Eval_mode_on_vectors_satisfies_the_contract()
    {
        var rng = new Rng(31);
        var bn = WithRunningStats([4], rng);
        BijectorContract.Check(bn, BijectorContract.RandomInput(rng, 3, 4));
    }

    [Fact]
    public void Eval_mode_on_images_satisfies_the_contract()
    {
        var rng = new Rng(32);
        var bn = WithRunningStats([2, 2, 3], rng);
        BijectorContract.Check(bn, BijectorContract.RandomInput(rng, 2, 2, 2, 3));
    }

    [Fact]
    public void Training_mode_normalises_with_batch_statistics_and_reports_their_log_det()
    {
        var rng = new Rng(33);
        var bn = new BatchNormBijector([2]);
        rng.FillNormal(bn.LogGamma.Value.Span, 0f, 0.5f);
        rng.FillNormal(bn.Beta.Value.Span);
        int n = 64;
        var x = BijectorContract.RandomInput(rng, n, 2);
        for (int s = 0; s < n; s++)
        {
            x[s, 0] = (4f * x[s, 0]) + 3f;
        }

        var (z, logDet) = bn.Forward(Variable.Constant(x));
        double expectedLogDet = 0;
        for (int j = 0; j < 2; j++)
        {
            double mean = 0, sq = 0, zMean = 0, zSq = 0;
            for (int s = 0; s < n; s++)
            {
                mean += x[s, j];
                sq += (double)x[s, j] * x[s, j];
                zMean += z.Value[s, j];
                zSq += (double)z.Value[s, j] * z.Value[s, j];
            }

            mean /= n;
            double variance = (sq / n) - (mean * mean);
            zMean /= n;
            double zStd = Math.Sqrt((zSq / n) - (zMean * zMean));
            double gamma = Math.Exp(bn.LogGamma.Value.Span[j]);
            Assert.Equal(bn.Beta.Value.Span[j], zMean, 1e-4);
            Assert.Equal(gamma * Math.Sqrt(variance / (variance + 1e-5)), zStd, 1e-4);
            expectedLogDet += bn.LogGamma.Value.Span[j] - (0.5 * Math.Log(variance + 1e-5));

            // Running averages moved 10% of the way from (0, 1) to the batch statistics.
            Assert.Equal(0.1 * mean, bn.RunningMean.Span[j], 1e-4);
            Assert.Equal(0.9 + (0.1 * variance), bn.RunningVar.Span[j], 1e-3);
        }

        Assert.All(logDet.Value.ToArray(), v => Assert.Equal(expectedLogDet, v, 4));
    }

    [Fact]
    public void Training_mode_gradient_flows_through_the_batch_statistics()
    {
        var rng = new Rng(34);
        var bn = new BatchNormBijector([1]);
        var x = Variable.Parameter(BijectorContract.RandomInput(rng, 8, 1));
        var (z, _) = bn.Forward(x);

        // Σ z is β·N whatever x is, so its gradient with respect to x vanishes only if the mean is differentiated.
        Ops.Sum(z).Backward();
        Assert.All(x.Grad!.ToArray(), g => Assert.Equal(0f, g, 4));

        // Σ z² = N·γ²·var/(var+ε) is nearly constant too: its gradient is tiny only if the variance is differentiated.
        x.ZeroGrad();
        var (z2, _) = bn.Forward(x);
        Ops.Sum(Ops.Square(z2)).Backward();
        Assert.All(x.Grad!.ToArray(), g => Assert.True(Math.Abs(g) < 1e-3f, $"gradient {g}"));
    }

    [Fact]
    public void Inverse_uses_running_averages_even_in_training_mode()
    {
        var rng = new Rng(35);
        var bn = WithRunningStats([3], rng);
        var z = BijectorContract.RandomInput(rng, 4, 3);
        var (xEval, _) = bn.Inverse(Variable.Constant(z.Clone()));
        bn.Training = true;
        var (xTrain, _) = bn.Inverse(Variable.Constant(z.Clone()));
        Assert.Equal(xEval.Value.ToArray(), xTrain.Value.ToArray());
    }
}
