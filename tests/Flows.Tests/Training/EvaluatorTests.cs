using Flows.Data;
using Flows.Training;

namespace Flows.Tests.Training;

public class EvaluatorTests
{
    private static PointSplit RandomPoints(int n, int d, ulong seed)
    {
        var rng = new Rng(seed);
        var p = new float[n * d];
        rng.FillNormal(p);
        return new PointSplit(p, d);
    }

    [Fact]
    public void MeanNllOverASplitEqualsTheClosedFormInDouble()
    {
        var split = RandomPoints(1003, 3, 1);
        var result = Evaluator.Evaluate(new IdentityFlow(3), split, Objective.NegativeLogLikelihood(3), batchSize: 64);
        double expected = 0;
        var p = split.Points;
        for (int i = 0; i < p.Length; i++)
        {
            expected += 0.5 * ((double)p[i] * p[i]) + (0.5 * Math.Log(2 * Math.PI));
        }

        expected /= 1003;
        Assert.Equal(1003, result.Count);
        Assert.Equal(expected, result.Metric, 4);
        Assert.Equal(-expected, result.MeanLogProb, 4);
    }

    [Fact]
    public void ImageBpdUsesTheFixedNoiseSeedAndTheBpdFormula()
    {
        var pixels = new byte[50 * 4];
        for (int i = 0; i < pixels.Length; i++)
        {
            pixels[i] = (byte)(i * 37 % 256);
        }

        var split = new ImageSplit(new ImageSet(pixels, 50, 1, 2, 2), new Dequantization(8));
        var model = new IdentityFlow(1, 2, 2);
        var objective = Objective.BitsPerDim(4, 8);
        var a = Evaluator.Evaluate(model, split, objective, 16, noiseSeed: 9);
        var b = Evaluator.Evaluate(model, split, objective, 7, noiseSeed: 9);
        Assert.Equal(a.Metric, b.Metric, 10); // batching does not matter; the noise stream is the same

        // Brute force: the same noise stream, the normal log-density in double, then bpd.
        var rng = new Rng(9);
        double sumBits = 0;
        for (int i = 0; i < 50; i++)
        {
            double logp = 0;
            for (int k = 0; k < 4; k++)
            {
                double x = ((pixels[(i * 4) + k] + (double)rng.NextFloat()) / 256) - 0.5;
                logp += (-0.5 * x * x) - (0.5 * Math.Log(2 * Math.PI));
            }

            sumBits += (-logp + (4 * Math.Log(256))) / (4 * Math.Log(2));
        }

        Assert.Equal(sumBits / 50, a.Metric, 5);
    }

    [Fact]
    public void TheLossNodeEqualsTheMetricOfTheMeanLogDensity()
    {
        var objective = Objective.BitsPerDim(10, 5);
        var logp = Flows.Autodiff.Variable.Constant(Tensor.FromArray([-3f, 1f, 8f], 3));
        Assert.Equal(objective.Metric(2.0), objective.Loss(logp).Item(), 5);
    }

    [Fact]
    public void BatchOrderVisitsEveryExampleOncePerEpochAndReshufflesEachEpoch()
    {
        var order = new BatchOrder(12, 4, 7);
        Assert.Equal(3, order.BatchesPerEpoch);
        var epoch0 = new List<int>();
        var epoch1 = new List<int>();
        for (long s = 0; s < 3; s++)
        {
            epoch0.AddRange(order.Indices(s).ToArray());
            epoch1.AddRange(order.Indices(s + 3).ToArray());
        }

        Assert.Equal(Enumerable.Range(0, 12), epoch0.Order());
        Assert.Equal(Enumerable.Range(0, 12), epoch1.Order());
        Assert.NotEqual(epoch0, epoch1);
        Assert.Equal(order.Indices(4).ToArray(), new BatchOrder(12, 4, 7).Indices(4).ToArray());
    }

    [Fact]
    public void Invertibility_errors_are_per_example_and_their_maximum_is_the_invertibility_error()
    {
        // A vector flow with random weights: every example round-trips, to float error, and the summary is the worst.
        var rng = new Rng(12);
        var model = Flows.Models.VectorFlows.RealNvp(3, 4, 16, 1, rng);
        foreach (var (_, p) in model.NamedParameters())
        {
            rng.FillNormal(p.Value.Span, 0f, 0.3f);
        }

        var split = RandomPoints(300, 3, 2);
        var errors = Evaluator.InvertibilityErrors(model, split, count: 250, batchSize: 64);
        Assert.Equal(250, errors.Length);
        Assert.All(errors, e => Assert.InRange(e, 0, 1e-4));
        Assert.Contains(errors, e => e > 0);
        Assert.Equal(errors.Max(), Evaluator.InvertibilityError(model, split, count: 250, batchSize: 64));
    }
}
