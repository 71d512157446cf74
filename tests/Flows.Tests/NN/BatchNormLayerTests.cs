using Flows.Autodiff;
using Flows.NN;
using Flows.Tests.Autodiff;

namespace Flows.Tests.NN;

public sealed class BatchNormLayerTests
{
    [Fact]
    public void Training_output_is_normalised_per_channel_and_running_stats_move()
    {
        var bn = new BatchNorm2dLayer(3, momentum: 0.25f);
        var x = OpsGradientTests.Normal(1, 4, 3, 2, 5);
        Shift(x, 3f, 2f);
        var y = bn.Forward(Variable.Constant(x));
        var (mean, var, _) = ChannelStats(y.Value, 3);
        var (xm, _, xvUnbiased) = ChannelStats(x, 3);
        for (int c = 0; c < 3; c++)
        {
            Assert.Equal(0.0, mean[c], 5);
            Assert.Equal(1.0, var[c], 3); // ε = 1e-5 shrinks it slightly
            Assert.Equal(0.25 * xm[c], bn.RunningMean.Span[c], 5);
            Assert.Equal(0.75 + (0.25 * xvUnbiased[c]), bn.RunningVar.Span[c], 4);
        }
    }

    [Fact]
    public void Evaluation_uses_running_statistics_and_is_per_sample()
    {
        var bn = new BatchNorm1dLayer(3);
        bn.RunningMean.Span[0] = 1f;
        bn.RunningMean.Span[1] = -2f;
        bn.RunningMean.Span[2] = 0.5f;
        bn.RunningVar.Span[0] = 4f;
        bn.RunningVar.Span[1] = 0.25f;
        bn.RunningVar.Span[2] = 1f;
        bn.Weight.Value.Span[1] = 2f;
        bn.Bias.Value.Span[2] = -1f;
        bn.Training = false;
        var x = OpsGradientTests.Normal(2, 5, 3);
        var y = bn.Forward(Variable.Constant(x));
        for (int n = 0; n < 5; n++)
        {
            for (int c = 0; c < 3; c++)
            {
                double expected = ((x[n, c] - bn.RunningMean.Span[c]) / Math.Sqrt(bn.RunningVar.Span[c] + 1e-5) * bn.Weight.Value.Span[c]) + bn.Bias.Value.Span[c];
                Assert.True(Math.Abs(expected - y.Value[n, c]) < 1e-5 * (1 + Math.Abs(expected)), $"[{n}, {c}]: {y.Value[n, c]} vs {expected}");
            }
        }

        // One sample alone gives the same output as inside the batch; running stats do not move.
        var single = bn.Forward(Variable.Constant(Tensor.FromArray(x.Span[..3], 1, 3)));
        Assert.Equal(y.Value.Span[..3].ToArray(), single.Value.ToArray());
        Assert.Equal(1f, bn.RunningMean.Span[0]);
    }

    [Fact]
    public void Training_gradient_through_batch_statistics_matches_central_differences()
    {
        var bn = new BatchNorm2dLayer(2);
        bn.Weight.Value.Span[0] = 1.5f;
        bn.Bias.Value.Span[1] = 0.3f;
        var report = GradientCheck.Run(v => bn.Forward(v[0]), [OpsGradientTests.Normal(3, 3, 2, 2, 2)]);
        Assert.True(report.Passed, report.Details);
        var x = Variable.Constant(OpsGradientTests.Normal(4, 3, 2, 2, 2));
        var reportParams = GradientCheck.RunParameters(() => bn.Forward(x), NNTestHelpers.ParameterList(bn));
        Assert.True(reportParams.Passed, reportParams.Details);
    }

    [Fact]
    public void Evaluation_gradient_matches_central_differences()
    {
        var bn = new BatchNorm1dLayer(3);
        bn.RunningMean.Span.Fill(0.2f);
        bn.RunningVar.Span.Fill(2f);
        bn.Training = false;
        var report = GradientCheck.Run(v => bn.Forward(v[0]), [OpsGradientTests.Normal(5, 4, 3)]);
        Assert.True(report.Passed, report.Details);
        var x = Variable.Constant(OpsGradientTests.Normal(6, 4, 3));
        var reportParams = GradientCheck.RunParameters(() => bn.Forward(x), NNTestHelpers.ParameterList(bn));
        Assert.True(reportParams.Passed, reportParams.Details);
    }

    [Fact]
    public void Names_and_shape_validation()
    {
        var bn = new BatchNorm2dLayer(4);
        Assert.Equal(["weight", "bias"], NNTestHelpers.ParameterNames(bn));
        var buffers = new List<string>();
        foreach (var (name, _) in bn.NamedBuffers())
        {
            buffers.Add(name);
        }

        Assert.Equal(["runningMean", "runningVar"], buffers);
        Assert.Throws<ArgumentException>(() => bn.Forward(Variable.Constant(Tensor.Zeros(2, 4))));
        Assert.Throws<ArgumentException>(() => bn.Forward(Variable.Constant(Tensor.Zeros(2, 3, 2, 2))));
    }

    private static void Shift(Tensor x, float offset, float scale)
    {
        var s = x.Span;
        for (int i = 0; i < s.Length; i++)
        {
            s[i] = (s[i] * scale) + offset;
        }
    }

    /// <summary>Per-channel mean, biased and unbiased variance of NCHW data, in double.</summary>
    private static (double[] Mean, double[] Var, double[] Unbiased) ChannelStats(Tensor x, int channels)
    {
        int n = x.Shape[0], plane = x.Length / (n * channels);
        var mean = new double[channels];
        var v = new double[channels];
        var u = new double[channels];
        int count = n * plane;
        for (int c = 0; c < channels; c++)
        {
            double s = 0;
            for (int i = 0; i < n; i++)
            {
                for (int p = 0; p < plane; p++)
                {
                    s += x.Span[(((i * channels) + c) * plane) + p];
                }
            }

            mean[c] = s / count;
            double q = 0;
            for (int i = 0; i < n; i++)
            {
                for (int p = 0; p < plane; p++)
                {
                    double d = x.Span[(((i * channels) + c) * plane) + p] - mean[c];
                    q += d * d;
                }
            }

            v[c] = q / count;
            u[c] = q / (count - 1);
        }

        return (mean, v, u);
    }
}
