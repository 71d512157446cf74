using Flows.Autodiff;
using Flows.Kernels;
using Flows.NN;

namespace Flows.Bijectors;

/// <summary>
/// RealNVP's affine coupling on [N, D] (Dinh, Sohl-Dickstein, Bengio 2017, "Density estimation using
/// Real NVP", eq. 6–9) with an alternating 1-D mask: x_A (even features for parity 0, odd for parity 1)
/// is kept and conditions x_B. With (raw, t) = MLP(x_A) (an <see cref="Mlp"/> whose last layer starts at zero) and the bounded log-scale s = c ⊙ tanh(raw)
/// (c learned per transformed feature, starting at 1),
/// forward z_B = x_B ⊙ exp(s) + t; inverse x_B = (z_B − t) ⊙ exp(−s); logDet = Σ s.
/// Children: "net"; parameter "scale" (c).
/// </summary>
public sealed class VectorAffineCoupling : Bijector
{
    private readonly int[] _kept;
    private readonly int[] _transformed;

    public VectorAffineCoupling(int dimensions, int parity, int hiddenFeatures, int hiddenLayers, Rng rng)
    {
        (_kept, _transformed) = VectorColumns.ParitySplit(dimensions, parity);
        Dimensions = dimensions;
        Parity = parity;
        Net = AddModule("net", new Mlp(_kept.Length, hiddenFeatures, 2 * _transformed.Length, hiddenLayers, rng, zeroInitLast: true));
        Scale = AddParameter("scale", Tensor.Full(1f, _transformed.Length));
    }

    public int Dimensions { get; }

    /// <summary>0: even features condition the odd ones; 1: the reverse.</summary>
    public int Parity { get; }

    public Mlp Net { get; }

    /// <summary>c of s = c ⊙ tanh(raw), one per transformed feature.</summary>
    public Variable Scale { get; }

    public override (Variable Z, Variable LogDet) Forward(Variable x)
    {
        VectorColumns.CheckVectorInput(x, Dimensions, nameof(VectorAffineCoupling));
        var a = VectorColumns.Gather(x, _kept);
        var b = VectorColumns.Gather(x, _transformed);
        var (logScale, shift) = Condition(a);
        var zb = Ops.Add(Ops.Mul(b, Ops.Exp(logScale)), shift);
        return (VectorColumns.Merge(a, _kept, zb, _transformed), Ops.SumPerSample(logScale));
    }

    public override (Variable X, Variable LogDet) Inverse(Variable z)
    {
        VectorColumns.CheckVectorInput(z, Dimensions, nameof(VectorAffineCoupling));
        var a = VectorColumns.Gather(z, _kept);
        var b = VectorColumns.Gather(z, _transformed);
        var (logScale, shift) = Condition(a);
        var xb = Ops.Mul(Ops.Sub(b, shift), Ops.Exp(Ops.Neg(logScale)));
        return (VectorColumns.Merge(a, _kept, xb, _transformed), Ops.Neg(Ops.SumPerSample(logScale)));
    }

    private (Variable LogScale, Variable Shift) Condition(Variable a)
    {
        int k = _transformed.Length;
        var h = Net.Forward(a);
        var raw = Ops.Slice(h, 1, 0, k);
        var shift = Ops.Slice(h, 1, k, k);
        return (Ops.Mul(Ops.Tanh(raw), Scale), shift);
    }
}
