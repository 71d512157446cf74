using Flows.Autodiff;
using Flows.Bijectors;
using Flows.Models;
using Flows.Tests.Autodiff;
using Flows.Tests.Bijectors;

namespace Flows.Tests.Models;

public sealed class VectorFlowsTests
{
    public static TheoryData<string> Kinds => ["nice", "realnvp", "realnvp-batchnorm", "glow"];

    private static SingleScaleFlow Randomised(string kind, int d, Rng rng, float std = 0.3f)
    {
        var model = kind switch
        {
            "nice" => VectorFlows.Nice(d, 4, 8, 1, rng),
            "realnvp" => VectorFlows.RealNvp(d, 4, 8, 1, rng),
            "realnvp-batchnorm" => VectorFlows.RealNvp(d, 4, 8, 1, rng, batchNorm: true),
            _ => VectorFlows.Glow(d, 3, 8, 1, rng),
        };
        TwoDTraining.Randomize(model, rng, std);
        TwoDTraining.RandomizeRunningStatistics(model, rng);
        model.Training = false;
        return model;
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Decode_inverts_encode_and_samples_have_the_data_shape(string kind)
    {
        var rng = new Rng(111);
        var model = Randomised(kind, 5, rng);
        var x = BijectorContract.RandomInput(rng, 6, 5);
        var z = model.Encode(x);
        var back = model.Decode(z);
        for (int i = 0; i < x.Length; i++)
        {
            Assert.Equal(x.Span[i], back.Span[i], 1e-4f * Math.Max(1f, Math.Abs(x.Span[i])));
        }

        var samples = model.Sample(7, 0.8f, new Rng(2));
        Assert.Equal([7, 5], samples.Shape);
        Assert.All(samples.ToArray(), v => Assert.True(float.IsFinite(v)));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Log_prob_is_the_prior_density_of_the_code_plus_the_brute_force_log_det(string kind)
    {
        var rng = new Rng(112);
        var model = Randomised(kind, 4, rng);
        var x = BijectorContract.RandomInput(rng, 3, 4);
        var logProb = model.LogProb(Variable.Constant(x)).Value;
        var z = model.Encode(x)[0];
        var logDet = BijectorContract.LogAbsDetJacobian(model.Bijector, x);
        for (int n = 0; n < 3; n++)
        {
            double expected = logDet[n];
            for (int j = 0; j < 4; j++)
            {
                expected += (-0.5 * z[n, j] * z[n, j]) - (0.5 * Math.Log(2 * Math.PI));
            }

            Assert.Equal(expected, logProb.Span[n], 1e-3 * Math.Max(1, Math.Abs(expected)));
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Log_prob_passes_the_parameter_gradient_check(string kind)
    {
        var rng = new Rng(113);
        // Small weights keep log p(x) of order one, so float32 rounding stays below the tolerance of the differences.
        var model = Randomised(kind, 3, rng, std: 0.1f);

        // Training mode, so batch norm differentiates through its batch statistics too.
        model.Training = true;
        var x = Variable.Constant(BijectorContract.RandomInput(rng, 4, 3));
        var parameters = model.Parameters().ToList();
        var report = GradientCheck.RunParameters(() => model.LogProb(x), parameters, h: 1e-3, rtol: 1e-2, atol: 2e-3);
        Assert.True(report.Passed, report.Details);
    }

    [Fact]
    public void Glow_style_flow_alternates_act_norm_lu_linear_and_coupling()
    {
        var model = VectorFlows.Glow(3, 2, 8, 1, new Rng(114));
        var steps = ((Chain)model.Bijector).Steps;
        Assert.Equal(6, steps.Count);
        for (int i = 0; i < 2; i++)
        {
            Assert.IsType<ActNorm>(steps[3 * i]);
            Assert.IsType<LuInvertibleConv1x1>(steps[(3 * i) + 1]);
            Assert.IsType<Coupling>(steps[(3 * i) + 2]);
        }
    }
}
