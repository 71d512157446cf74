using Flows.Bijectors;
using Flows.Checkpoints;
using Flows.Models;

namespace Flows.Tests.Checkpoints;

/// <summary>A state whose values are finite but whose 1×1 convolutions (or LU layers) cannot be inverted is not a state a checkpoint may hold.</summary>
public sealed class CheckpointInvertibilityTests
{
    private static MultiScaleFlow Glow(GlowMixing mixing)
        => Flows.Models.Glow.Create(new GlowConfig { DataShape = [1, 4, 4], Levels = 2, StepsPerLevel = 2, Hidden = 4, Mixing = mixing }, new Rng(1));

    [Fact]
    public void A_fresh_model_is_valid()
    {
        Assert.Null(Checkpoint.NonFiniteState(Glow(GlowMixing.Plain), null));
        Assert.Null(Checkpoint.NonFiniteState(Glow(GlowMixing.Lu), null));
        Assert.Null(Checkpoint.NonFiniteState(VectorFlows.Glow(3, 2, 8, 1, new Rng(2)), null));
    }

    [Fact]
    public void A_singular_plain_convolution_is_named()
    {
        var model = Glow(GlowMixing.Plain);
        var w = model.NamedParameters().Single(p => p.Name == "level1.step1.invconv.weight").Value.Value.Span;
        int c = (int)Math.Sqrt(w.Length);
        w[..c].CopyTo(w.Slice(c, c)); // two equal rows
        string? problem = Checkpoint.NonFiniteState(model, null);
        Assert.NotNull(problem);
        Assert.StartsWith("the model's 'level1.step1.invconv' is not invertible: its 8x8 weight is singular", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void An_lu_diagonal_that_underflows_is_named()
    {
        var model = Glow(GlowMixing.Lu);
        model.NamedParameters().Single(p => p.Name == "level0.step0.invconv.logs").Value.Value.Span[2] = -100f;
        Assert.Equal("the model's 'level0.step0.invconv' is not invertible: its diagonal's log-magnitude 2 is -100, outside ±80, so the matrix is singular or overflows in float",
            Checkpoint.NonFiniteState(model, null));

        var vector = VectorFlows.Glow(3, 2, 8, 1, new Rng(2));
        vector.NamedParameters().Single(p => p.Name == "bijector.4.logs").Value.Value.Span[0] = 90f;
        Assert.Contains("'bijector.4' is not invertible", Checkpoint.NonFiniteState(vector, null), StringComparison.Ordinal);
    }
}
