using Flows.Autodiff;

namespace Flows.Bijectors;

/// <summary>The channel split of Glow's couplings: first C/2 channels, then the rest.</summary>
internal static class CouplingHalves
{
    public static (Variable First, Variable Second) Split(Variable x, int channels)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Shape.Length != 4 || x.Shape[1] != channels)
        {
            throw new ArgumentException($"Coupling over {channels} channels needs [N, {channels}, H, W], got {Tensor.FormatShape(x.Shape)}.", nameof(x));
        }

        int half = channels / 2;
        return (Ops.Slice(x, 1, 0, half), Ops.Slice(x, 1, half, channels - half));
    }
}
