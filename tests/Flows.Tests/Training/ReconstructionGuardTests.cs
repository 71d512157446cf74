using Flows.Autodiff;
using Flows.Bijectors;
using Flows.Data;
using Flows.Models;
using Flows.Optim;
using Flows.Training;

namespace Flows.Tests.Training;

/// <summary>
/// Memory-efficient back-propagation's guard: a finite gradient rebuilt from an inaccurate inverse is caught by
/// its reconstruction error and the step is redone with ordinary backprop, giving the ordinary gradient's bits;
/// with exact inverses nothing is redone.
/// </summary>
public sealed class ReconstructionGuardTests
{
    /// <summary>z = 2x, but the inverse is off by 3: a step whose inverse cannot be trusted.</summary>
    private sealed class Drifting : Bijector
    {
        public override (Variable Z, Variable LogDet) Forward(Variable x)
            => (Ops.Scale(x, 2f), Variable.Constant(Tensor.Full(MathF.Log(2f) * (x.Value.Length / x.Shape[0]), x.Shape[0])));

        public override (Variable X, Variable LogDet) Inverse(Variable z)
            => (Ops.AddScalar(Ops.Scale(z, 0.5f), 3f), Variable.Constant(Tensor.Full(-MathF.Log(2f) * (z.Value.Length / z.Shape[0]), z.Shape[0])));
    }

    private static Trainer Make(bool memoryEfficient, bool drifting)
    {
        var rng = new Rng(3);
        var steps = new List<Bijector> { new ActNorm(4), Couplings.GlowAffine(4, 8, rng) };
        if (drifting)
        {
            steps.Add(new Drifting());
        }

        steps.Add(Couplings.GlowAffine(4, 8, rng));
        var model = new MultiScaleFlow([1, 4, 4], [MultiScaleLevel.Final(steps)]) { MemoryEfficientBackprop = memoryEfficient };
        var pixels = new byte[32 * 16];
        for (int i = 0; i < pixels.Length; i++)
        {
            pixels[i] = (byte)((i * 37) % 256);
        }

        var split = new ImageSplit(new ImageSet(pixels, 32, 1, 4, 4), new Dequantization(8));
        var optimizer = new Adam(model.NamedParameters(), 0); // gradients only
        return new Trainer(model, optimizer, null, split, Objective.BitsPerDim(16), new BatchOrder(32, 8, 1), new Rng(5));
    }

    private static float[] Gradients(Trainer t) => [.. t.Optimizer.Parameters.SelectMany(p => p.Value.Grad!.ToArray())];

    [Fact]
    public void A_gradient_rebuilt_from_an_inaccurate_inverse_is_redone_with_ordinary_backprop()
    {
        var ordinary = Make(memoryEfficient: false, drifting: true);
        ordinary.Step();
        var guarded = Make(memoryEfficient: true, drifting: true);
        var result = guarded.Step();

        Assert.True(result.ReconstructionError > guarded.ReconstructionTolerance, $"reconstruction error {result.ReconstructionError}");
        Assert.True(result.RedoneForReconstruction);
        Assert.True(result.RedoneWithOrdinaryBackprop);
        Assert.Equal(1, guarded.OrdinaryBackpropSteps);
        Assert.True(result.GradientDisagreement > 0.01, $"the distrusted gradient differed by only {result.GradientDisagreement}");
        Assert.Equal(Gradients(ordinary), Gradients(guarded)); // the ordinary gradient, bit for bit
        Assert.True(((MultiScaleFlow)guarded.Model).MemoryEfficientBackprop); // the mode is back for the next step
    }

    [Fact]
    public void With_exact_inverses_the_error_is_round_off_and_nothing_is_redone()
    {
        var guarded = Make(memoryEfficient: true, drifting: false);
        for (int i = 0; i < 3; i++)
        {
            var result = guarded.Step();
            Assert.InRange(result.ReconstructionError, 0, 1e-3);
            Assert.False(result.RedoneWithOrdinaryBackprop);
        }

        Assert.Equal(0, guarded.OrdinaryBackpropSteps);
    }
}
