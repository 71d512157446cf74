using System.Numerics.Tensors;
using Flows.Autodiff;

namespace Flows.Bijectors;

/// <summary>The part of <see cref="IRecomputeFromOutput"/> that Glow's channel-half couplings share.</summary>
internal static class CouplingRecompute
{
    /// <summary>
    /// A leaf x whose first half is z's (a coupling passes it through unchanged) and the recorded slice xa
    /// of it; the second half of the leaf is left to <see cref="RebuildSecondHalf"/> once the network has run.
    /// </summary>
    public static (Variable Leaf, Variable First) StartFromOutput(Tensor z, int channels, bool inputRequiresGrad)
    {
        ArgumentNullException.ThrowIfNull(z);
        if (z.Rank != 4 || z.Shape[1] != channels)
        {
            throw new ArgumentException($"Coupling over {channels} channels needs [N, {channels}, H, W], got {Tensor.FormatShape(z.Shape)}.", nameof(z));
        }

        var leaf = new Variable(z.Clone(), inputRequiresGrad);
        return (leaf, Ops.Slice(leaf, 1, 0, channels / 2));
    }

    /// <summary>
    /// Writes xb = zb·exp(−logScale) − shift (affine; <paramref name="logScale"/> null: xb = zb − shift) into
    /// the second half of every sample of the leaf, with the same arithmetic as the couplings' Inverse.
    /// shift and logScale are [N, C − C/2, H, W].
    /// </summary>
    public static void RebuildSecondHalf(Variable leaf, Tensor z, Tensor shift, Tensor? logScale)
    {
        int n = leaf.Shape[0], channels = leaf.Shape[1], half = channels / 2;
        int plane = leaf.Shape[2] * leaf.Shape[3];
        int rest = (channels - half) * plane;
        var x = leaf.Value.Span;
        var zs = z.Span;
        var scratch = new float[rest];
        for (int s = 0; s < n; s++)
        {
            int offset = (s * channels * plane) + (half * plane);
            var zb = zs.Slice(offset, rest);
            var sh = shift.Span.Slice(s * rest, rest);
            var xb = x.Slice(offset, rest);
            if (logScale is null)
            {
                TensorPrimitives.Subtract(zb, sh, xb);
            }
            else
            {
                TensorPrimitives.Negate(logScale.Span.Slice(s * rest, rest), scratch);
                TensorPrimitives.Exp(scratch, scratch);
                TensorPrimitives.Multiply(zb, scratch, scratch);
                TensorPrimitives.Subtract(scratch, sh, xb);
            }
        }
    }

    /// <summary>The recorded second half of the leaf (after <see cref="RebuildSecondHalf"/>).</summary>
    public static Variable Second(Variable leaf)
    {
        int channels = leaf.Shape[1], half = channels / 2;
        return Ops.Slice(leaf, 1, half, channels - half);
    }
}
