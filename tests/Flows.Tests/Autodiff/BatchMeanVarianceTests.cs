using Flows.Autodiff;

namespace Flows.Tests.Autodiff;

public sealed class BatchMeanVarianceTests
{
    [Theory]
    [InlineData(new[] { 5, 3, 4, 2 })]
    [InlineData(new[] { 7, 4 })]
    public void Matches_brute_force_statistics_in_double(int[] shape)
    {
        var x = OpsGradientTests.Normal(1, shape);
        var xs = x.Span;
        for (int i = 0; i < xs.Length; i++)
        {
            xs[i] = (xs[i] * 0.5f) + 100f; // a large offset: a one-pass E[x²] − E[x]² would lose digits
        }

        var (mean, variance) = Ops.BatchMeanVariance(Variable.Constant(x));
        int n = shape[0], c = shape[1], plane = x.Length / (n * c);
        int[] expectedShape = shape.Length == 4 ? [1, c, 1, 1] : [1, c];
        Assert.Equal(expectedShape, mean.Shape);
        Assert.Equal(expectedShape, variance.Shape);
        for (int ch = 0; ch < c; ch++)
        {
            double sum = 0, count = n * plane;
            for (int s = 0; s < n; s++)
            {
                for (int p = 0; p < plane; p++)
                {
                    sum += xs[(((s * c) + ch) * plane) + p];
                }
            }

            double m = sum / count, sq = 0;
            for (int s = 0; s < n; s++)
            {
                for (int p = 0; p < plane; p++)
                {
                    double d = xs[(((s * c) + ch) * plane) + p] - m;
                    sq += d * d;
                }
            }

            Assert.Equal(m, mean.Value.Span[ch], 4);
            Assert.True(Math.Abs((sq / count) - variance.Value.Span[ch]) < 1e-3 * (sq / count), $"channel {ch}: variance {variance.Value.Span[ch]} vs {sq / count}");
        }
    }

    [Fact]
    public void Normalised_output_has_correct_gradient_for_images()
        => GradientCheck.Assert(v => Normalise(v[0]), OpsGradientTests.Normal(2, 4, 2, 2, 3));

    [Fact]
    public void Normalised_output_has_correct_gradient_for_vectors()
        => GradientCheck.Assert(v => Normalise(v[0]), OpsGradientTests.Normal(3, 6, 3));

    [Fact]
    public void Variance_has_correct_gradient()
        => GradientCheck.Assert(v => Ops.BatchMeanVariance(v[0]).Variance, OpsGradientTests.Normal(4, 4, 3, 2, 2));

    [Fact]
    public void Rejects_rank_one_input()
        => Assert.Throws<ArgumentException>(() => Ops.BatchMeanVariance(Variable.Constant(Tensor.Zeros(4))));

    private static Variable Normalise(Variable x)
    {
        var (mean, variance) = Ops.BatchMeanVariance(x);
        return (x - mean) / Ops.Sqrt(variance + 1e-5f);
    }
}
