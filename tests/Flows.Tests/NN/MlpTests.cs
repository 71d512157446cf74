using Flows.Autodiff;
using Flows.NN;
using Flows.Tests.Autodiff;

namespace Flows.Tests.NN;

public sealed class MlpTests
{
    [Fact]
    public void Output_shape_and_parameter_names()
    {
        var mlp = new Mlp(5, 8, 3, hiddenLayers: 2, new Rng(1));
        var y = mlp.Forward(Variable.Constant(OpsGradientTests.Normal(2, 4, 5)));
        Assert.Equal([4, 3], y.Shape);
        Assert.Equal(["layer0.weight", "layer0.bias", "layer1.weight", "layer1.bias", "layer2.weight", "layer2.bias"], NNTestHelpers.ParameterNames(mlp));
        Assert.Equal((5 * 8) + 8 + (8 * 8) + 8 + (8 * 3) + 3, mlp.ParameterCount());
    }

    [Fact]
    public void Matches_an_explicit_relu_network_in_double()
    {
        var mlp = new Mlp(3, 4, 2, hiddenLayers: 1, new Rng(3));
        var x = OpsGradientTests.Normal(4, 5, 3);
        var y = mlp.Forward(Variable.Constant(x));
        var w0 = mlp.Layers[0].Weight.Value;
        var b0 = mlp.Layers[0].Bias!.Value;
        var w1 = mlp.Layers[1].Weight.Value;
        var b1 = mlp.Layers[1].Bias!.Value;
        for (int n = 0; n < 5; n++)
        {
            var h = new double[4];
            for (int j = 0; j < 4; j++)
            {
                double s = b0.Span[j];
                for (int i = 0; i < 3; i++)
                {
                    s += w0[j, i] * (double)x[n, i];
                }

                h[j] = Math.Max(s, 0);
            }

            for (int o = 0; o < 2; o++)
            {
                double s = b1.Span[o];
                for (int j = 0; j < 4; j++)
                {
                    s += w1[o, j] * h[j];
                }

                Assert.Equal(s, y.Value[n, o], 5);
            }
        }
    }

    [Fact]
    public void Zero_initialised_last_layer_gives_zero_output()
    {
        var mlp = new Mlp(4, 6, 4, hiddenLayers: 3, new Rng(5), zeroInitLast: true);
        var y = mlp.Forward(Variable.Constant(OpsGradientTests.Normal(6, 3, 4)));
        Assert.All(y.Value.ToArray(), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Every_parameter_receives_a_gradient()
    {
        var mlp = new Mlp(4, 16, 3, hiddenLayers: 2, new Rng(7));
        var y = mlp.Forward(Variable.Constant(OpsGradientTests.Normal(8, 10, 4)));
        NNTestHelpers.AssertEveryParameterGetsAGradient(mlp, y);
    }

    [Fact]
    public void Parameter_gradients_match_central_differences()
    {
        var mlp = new Mlp(3, 5, 2, hiddenLayers: 2, new Rng(9));
        var x = Variable.Constant(OpsGradientTests.Normal(10, 4, 3));
        var report = GradientCheck.RunParameters(() => mlp.Forward(x), NNTestHelpers.ParameterList(mlp), h: 1e-3);
        Assert.True(report.Passed, report.Details);
    }
}
