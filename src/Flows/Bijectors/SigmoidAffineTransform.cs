using Flows.Autodiff;

namespace Flows.Bijectors;

/// <summary>
/// Glow's affine map (Kingma and Dhariwal 2018, §3.3): from the network output h, shift t = h[even channels] and
/// s = h[odd channels]; scale = sigmoid(s + 2) + floor. y = (x + t)·scale, x = y/scale − t, log-scale = ln scale,
/// evaluated as log-sigmoid(s + 2) (stable for large |s|), with a floor as ln(exp(log-sigmoid(s + 2)) + floor).
/// floor = 0 is Glow's; a small floor (nflows uses 1e-3) keeps the scale from underflowing so the inverse stays
/// well conditioned: |ln scale| ≤ −ln floor.
/// </summary>
public sealed class SigmoidAffineTransform : CouplingTransform
{
    /// <summary>Glow's affine map with <paramref name="scaleFloor"/> added to the sigmoid scale.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="scaleFloor"/> is outside [0, 1).</exception>
    public SigmoidAffineTransform(float scaleFloor = 0)
    {
        if (!(scaleFloor >= 0 && scaleFloor < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(scaleFloor), scaleFloor, "The scale floor must be in [0, 1).");
        }

        ScaleFloor = scaleFloor;
    }

    /// <summary>The constant added to the sigmoid scale (0: Glow's scale, which can underflow).</summary>
    public float ScaleFloor { get; }

    /// <summary>2: a shift and a raw scale per transformed element, interleaved (even = shift, odd = scale).</summary>
    public override int OutputsPerElement => 2;

    /// <summary>t = h[even channels] and ln scale = ln(sigmoid(h[odd channels] + 2) + floor).</summary>
    public override (Variable Shift, Variable? LogScale) Parameters(Variable h) => Ops.SigmoidAffineParameters(h, ScaleFloor);

    /// <summary>y = (x + t)·scale; <paramref name="logScale"/> must not be null.</summary>
    public override Variable Forward(Variable x, Variable shift, Variable? logScale)
        => Ops.Mul(Ops.Add(x, shift), Ops.Exp(logScale!));

    /// <summary>x = y/scale − t; <paramref name="logScale"/> must not be null.</summary>
    public override Variable Inverse(Variable y, Variable shift, Variable? logScale)
        => Ops.Sub(Ops.Mul(y, Ops.Exp(Ops.Neg(logScale!))), shift);

    /// <inheritdoc/>
    public override (Variable X, Variable? LogScale) InverseFromNetwork(Variable y, Variable h) => Ops.SigmoidAffineInverse(y, h, ScaleFloor);
}
