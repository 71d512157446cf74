using Flows.Autodiff;
using Flows.Bijectors;
using Flows.Models;
using Flows.Tests.Autodiff;

namespace Flows.Tests.Bijectors;

/// <summary>
/// Back-propagated gradients of the Glow layers with hand-written backwards (LU triangles, channel
/// gathers) and of a whole small Glow model, against central differences.
/// </summary>
public sealed class GlowGradientTests
{
    /// <summary>z and the log-det side by side, so one weighted sum checks both.</summary>
    private static Variable Outputs((Variable Z, Variable LogDet) r)
    {
        int n = r.Z.Shape[0];
        return Ops.Concat(1, Ops.Reshape(r.Z, n, -1), Ops.Reshape(r.LogDet, n, 1));
    }

    private static Tensor Input(ulong seed, int channels = 4) => BijectorContract.RandomInput(new Rng(seed), 2, channels, 3, 3);

    [Fact]
    public void Lu_conv_parameter_and_input_gradients()
    {
        var rng = new Rng(1);
        var lu = new LuInvertibleConv1x1(4, rng);
        rng.FillNormal(lu.Lower.Value.Span, 0f, 0.5f);
        rng.FillNormal(lu.Upper.Value.Span, 0f, 0.5f);
        rng.FillNormal(lu.LogScale.Value.Span, 0f, 0.5f);
        var x = Variable.Constant(Input(2));
        var forward = GradientCheck.RunParameters(() => Outputs(lu.Forward(x)), [lu.Lower, lu.Upper, lu.LogScale]);
        Assert.True(forward.Passed, forward.Details);
        var inverse = GradientCheck.RunParameters(() => Outputs(lu.Inverse(x)), [lu.Lower, lu.Upper, lu.LogScale]);
        Assert.True(inverse.Passed, inverse.Details);
        GradientCheck.Assert(v => Outputs(lu.Forward(v[0])), Input(3));
    }

    [Fact]
    public void Plain_conv_and_permutation_gradients()
    {
        var rng = new Rng(4);
        var conv = new InvertibleConv1x1(4, rng);
        rng.FillNormal(conv.Weight.Value.Span);
        var x = Variable.Constant(Input(5));
        var report = GradientCheck.RunParameters(() => Outputs(conv.Inverse(x)), [conv.Weight]);
        Assert.True(report.Passed, report.Details);
        var shuffle = ChannelPermutation.Shuffle(4, rng);
        GradientCheck.Assert(v => Outputs(shuffle.Forward(v[0])), Input(6));
        GradientCheck.Assert(v => Outputs(shuffle.Inverse(v[0])), Input(7));
        GradientCheck.Assert(v => Outputs(new Squeeze().Forward(v[0])), BijectorContract.RandomInput(rng, 2, 2, 4, 4));
    }

    [Fact]
    public void Affine_coupling_parameter_gradients()
    {
        var rng = new Rng(8);
        var coupling = Couplings.GlowAffine(4, 3, rng);
        GlowBijectorTests.Randomize(coupling, rng, 0.4f);
        coupling.Training = false;
        var x = Variable.Constant(Input(9));
        var parameters = coupling.NamedParameters().Select(p => p.Value).ToList();
        var report = GradientCheck.RunParameters(() => Outputs(coupling.Forward(x)), parameters, h: 1e-3, rtol: 1e-2, atol: 1e-3);
        Assert.True(report.Passed, report.Details);
    }

    /// <summary>Every parameter of a small Glow (split prior included), through the model's training path.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Whole_glow_log_prob_parameter_gradients(bool memoryEfficient)
    {
        var rng = new Rng(10);
        var model = Glow.Create(new GlowConfig { DataShape = [1, 4, 4], Levels = 2, StepsPerLevel = 1, Hidden = 3, MemoryEfficientBackprop = memoryEfficient }, rng);
        // Small random parameters keep |log p| moderate (a few tens of nats), so that float32 central
        // differences of log p resolve the derivatives; large ones make the split prior's std tiny somewhere.
        GlowBijectorTests.Randomize(model, rng, 0.1f);
        model.Training = false;
        var x = Variable.Constant(BijectorContract.RandomInput(rng, 2, 1, 4, 4));
        var logp = model.LogProb(x).Value;
        Assert.All(logp.ToArray(), v => Assert.InRange(v, -200f, 200f));
        var parameters = model.NamedParameters().Select(p => p.Value).ToList();
        // h = 1e-3 keeps ReLU pre-activations from crossing zero (at 1e-2 they do: one-sided differences then
        // disagree); the wider atol is the float32 resolution of log p ≈ 25 nats at that step.
        var report = GradientCheck.RunParameters(() => model.LogProb(x), parameters, h: 1e-3, rtol: 2e-2, atol: 5e-3);
        Assert.True(report.Passed, report.Details);
    }
}
