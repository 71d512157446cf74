using Flows.Autodiff;

namespace Flows.Bijectors;

/// <summary>
/// RealNVP's affine map (Dinh et al. 2017, eq. 6–9): from the network output h = (raw, t) (first and second half
/// of axis 1), the bounded log-scale s = c ⊙ tanh(raw) with c learned (parameter "scale", starting at 1);
/// y = x ⊙ exp(s) + t, x = (y − t) ⊙ exp(−s).
/// </summary>
public sealed class TanhAffineTransform : CouplingTransform
{
    /// <param name="scaleShape">Shape of c: [1, C, 1, 1] for images (one per channel), [K] for K transformed features.</param>
    public TanhAffineTransform(params int[] scaleShape)
    {
        ArgumentNullException.ThrowIfNull(scaleShape);
        Scale = AddParameter("scale", Tensor.Full(1f, scaleShape));
    }

    /// <summary>c of s = c ⊙ tanh(raw).</summary>
    public Variable Scale { get; }

    /// <summary>2: a raw log-scale and a shift per transformed element (first and second half of axis 1).</summary>
    public override int OutputsPerElement => 2;

    /// <summary>t = the second half of <paramref name="h"/> on axis 1 and s = c ⊙ tanh(the first half).</summary>
    public override (Variable Shift, Variable? LogScale) Parameters(Variable h)
    {
        ArgumentNullException.ThrowIfNull(h);
        int k = h.Shape[1] / 2;
        var raw = Ops.Slice(h, 1, 0, k);
        var shift = Ops.Slice(h, 1, k, k);
        return (shift, Ops.Mul(Ops.Tanh(raw), Scale));
    }

    /// <summary>y = x ⊙ exp(s) + t; <paramref name="logScale"/> must not be null.</summary>
    public override Variable Forward(Variable x, Variable shift, Variable? logScale)
        => Ops.Add(Ops.Mul(x, Ops.Exp(logScale!)), shift);

    /// <summary>x = (y − t) ⊙ exp(−s); <paramref name="logScale"/> must not be null.</summary>
    public override Variable Inverse(Variable y, Variable shift, Variable? logScale)
        => Ops.Mul(Ops.Sub(y, shift), Ops.Exp(Ops.Neg(logScale!)));

    /// <summary>x ⊙ (exp(s) − 1) + t: no cancellation where s is near 0.</summary>
    public override Variable ForwardChange(Variable x, Variable shift, Variable? logScale)
        => Ops.Add(Ops.Mul(x, Ops.AddScalar(Ops.Exp(logScale!), -1f)), shift);
}
