using Flows.Autodiff;

namespace Flows.Bijectors;

/// <summary>
/// Space-to-depth (RealNVP §3.6, Glow §3): each 2×2 block of every channel becomes 4 channels,
/// (C, H, W) → (4C, H/2, W/2) with out[4c + 2i + j][y][x] = in[c][2y + i][2x + j]. Forward squeezes,
/// Inverse unsqueezes; a permutation of the elements, so the log-det is 0.
/// </summary>
public sealed class Squeeze : Bijector
{
    /// <summary>(N, C, H, W) → (N, 4C, H/2, W/2); H and W must be even.</summary>
    public static Variable Apply(Variable x)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Shape.Length != 4 || x.Shape[2] % 2 != 0 || x.Shape[3] % 2 != 0)
        {
            throw new ArgumentException($"Squeeze needs [N, C, H, W] with even H and W, got {Tensor.FormatShape(x.Shape)}.", nameof(x));
        }

        int n = x.Shape[0], c = x.Shape[1], h = x.Shape[2] / 2, w = x.Shape[3] / 2;
        var blocks = Ops.Reshape(x, n, c, h, 2, w, 2);
        var moved = Ops.Permute(blocks, 0, 1, 3, 5, 2, 4);
        return Ops.Reshape(moved, n, c * 4, h, w);
    }

    /// <summary>(N, 4C, H, W) → (N, C, 2H, 2W), the inverse of <see cref="Apply"/>.</summary>
    public static Variable Undo(Variable z)
    {
        ArgumentNullException.ThrowIfNull(z);
        if (z.Shape.Length != 4 || z.Shape[1] % 4 != 0)
        {
            throw new ArgumentException($"Unsqueeze needs [N, 4C, H, W], got {Tensor.FormatShape(z.Shape)}.", nameof(z));
        }

        int n = z.Shape[0], c = z.Shape[1] / 4, h = z.Shape[2], w = z.Shape[3];
        var blocks = Ops.Reshape(z, n, c, 2, 2, h, w);
        var moved = Ops.Permute(blocks, 0, 1, 4, 2, 5, 3);
        return Ops.Reshape(moved, n, c, h * 2, w * 2);
    }

    /// <summary>The shape of one event (C, H, W) after squeezing.</summary>
    public static int[] SqueezedShape(ReadOnlySpan<int> eventShape)
    {
        if (eventShape.Length != 3 || eventShape[1] % 2 != 0 || eventShape[2] % 2 != 0)
        {
            throw new ArgumentException($"Squeeze needs events (C, H, W) with even H and W, got {Tensor.FormatShape(eventShape)}.", nameof(eventShape));
        }

        return [eventShape[0] * 4, eventShape[1] / 2, eventShape[2] / 2];
    }

    /// <summary>Squeezes [N, C, H, W] to [N, 4C, H/2, W/2]; log-det 0.</summary>
    /// <exception cref="ArgumentException"><paramref name="x"/> is not [N, C, H, W] with even H and W.</exception>
    public override (Variable Z, Variable LogDet) Forward(Variable x)
    {
        var z = Apply(x);
        return (z, Variable.Constant(Tensor.Zeros(x.Shape[0])));
    }

    /// <summary>Unsqueezes [N, 4C, H, W] to [N, C, 2H, 2W]; log-det 0.</summary>
    /// <exception cref="ArgumentException"><paramref name="z"/> is not [N, 4C, H, W].</exception>
    public override (Variable X, Variable LogDet) Inverse(Variable z)
    {
        var x = Undo(z);
        return (x, Variable.Constant(Tensor.Zeros(z.Shape[0])));
    }
}
