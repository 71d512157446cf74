using Flows.Autodiff;
using Flows.NN;
using Flows.Tests.Autodiff;

namespace Flows.Tests.NN;

public sealed class ResNetTests
{
    [Theory]
    [InlineData(ResNetNormalization.None)]
    [InlineData(ResNetNormalization.Batch)]
    [InlineData(ResNetNormalization.Weight)]
    [InlineData(ResNetNormalization.BatchAndWeight)]
    public void Output_shape_and_every_parameter_gets_a_gradient(ResNetNormalization normalization)
    {
        var net = new ResNet(2, 4, width: 6, blocks: 2, new Rng(1), normalization, zeroInitOutput: false);
        var y = net.Forward(Variable.Constant(OpsGradientTests.Normal(2, 3, 2, 5, 4)));
        Assert.Equal([3, 4, 5, 4], y.Shape);
        NNTestHelpers.AssertEveryParameterGetsAGradient(net, y);
    }

    [Fact]
    public void Parameter_names_follow_the_structure()
    {
        var names = NNTestHelpers.ParameterNames(new ResNet(1, 2, width: 3, blocks: 1, new Rng(2), ResNetNormalization.BatchAndWeight));
        Assert.Equal(
            [
                "input.direction", "input.gain", "input.bias",
                "block0.norm1.weight", "block0.norm1.bias", "block0.conv1.direction", "block0.conv1.gain", "block0.conv1.bias",
                "block0.norm2.weight", "block0.norm2.bias", "block0.conv2.direction", "block0.conv2.gain", "block0.conv2.bias",
                "outputNorm.weight", "outputNorm.bias", "output.weight", "output.bias",
            ],
            names);
    }

    [Fact]
    public void Zero_initialised_output_gives_zero()
    {
        var net = new ResNet(2, 4, width: 5, blocks: 1, new Rng(3));
        var y = net.Forward(Variable.Constant(OpsGradientTests.Normal(4, 2, 2, 3, 3)));
        Assert.All(y.Value.ToArray(), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Evaluation_mode_uses_running_statistics()
    {
        var net = new ResNet(1, 2, width: 4, blocks: 1, new Rng(4), ResNetNormalization.Batch, zeroInitOutput: false);
        var batch = OpsGradientTests.Normal(5, 4, 1, 3, 3);
        for (int i = 0; i < 5; i++)
        {
            net.Forward(Variable.Constant(batch));
        }

        var training = net.Forward(Variable.Constant(batch)).Value.ToArray();
        net.Training = false;
        var eval = net.Forward(Variable.Constant(batch)).Value.ToArray();
        Assert.NotEqual(training, eval);

        // In evaluation a sample's output does not depend on the rest of the batch.
        var first = Tensor.FromArray(batch.Span[..9], 1, 1, 3, 3);
        var alone = net.Forward(Variable.Constant(first)).Value.ToArray();
        Assert.Equal(eval.AsSpan(0, alone.Length).ToArray(), alone);
    }

    [Theory]
    [InlineData(ResNetNormalization.None)]
    [InlineData(ResNetNormalization.Weight)]
    [InlineData(ResNetNormalization.Batch)]
    public void Parameter_gradients_match_central_differences(ResNetNormalization normalization)
    {
        var net = new ResNet(1, 2, width: 2, blocks: 1, new Rng(6), normalization, zeroInitOutput: false);
        var x = Variable.Constant(OpsGradientTests.Normal(7, 2, 1, 3, 3));
        // ReLU kinks rule out a large h and float32 rounding through eight layers a tiny one: h = 1e-3 with a
        // looser absolute tolerance (measured worst |analytic − numeric| ≈ 2.5e-4 over all parameters).
        var report = GradientCheck.RunParameters(() => net.Forward(x), NNTestHelpers.ParameterList(net), h: 1e-3, rtol: 1e-2, atol: 1e-3);
        Assert.True(report.Passed, report.Details);
    }

    [Fact]
    public void Weight_norm_conv_starts_equal_to_its_direction_and_follows_the_gain()
    {
        var conv = new WeightNormConv2dLayer(2, 3, 3, new Rng(8));
        var w = conv.Weight().Value;
        var v = conv.Direction.Value;
        for (int i = 0; i < w.Length; i++)
        {
            Assert.Equal(v.Span[i], w.Span[i], 5);
        }

        conv.Gain.Value.Span[1] = 2f;
        w = conv.Weight().Value;
        double norm = 0;
        for (int i = 18; i < 36; i++)
        {
            norm += (double)w.Span[i] * w.Span[i];
        }

        Assert.Equal(2.0, Math.Sqrt(norm), 5);
        var report = GradientCheck.RunParameters(() => conv.Forward(Variable.Constant(OpsGradientTests.Normal(9, 2, 2, 3, 3))), NNTestHelpers.ParameterList(conv));
        Assert.True(report.Passed, report.Details);
    }
}
