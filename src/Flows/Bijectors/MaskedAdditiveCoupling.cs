using Flows.Autodiff;
using Flows.Kernels;
using Flows.NN;

namespace Flows.Bijectors;

/// <summary>
/// NICE's additive coupling on [N, D] (Dinh, Krueger, Bengio 2014, "NICE", eq. 5–6): the features are
/// split by an alternating 1-D mask into a kept part x_A (even indices for parity 0, odd for parity 1)
/// and a transformed part x_B, and
/// forward z_A = x_A, z_B = x_B + m(x_A); inverse x_B = z_B − m(z_A); logDet = 0 (volume preserving).
/// m is a ReLU MLP (<see cref="Mlp"/>) whose last layer starts at zero, so a fresh coupling is the identity. Child: "net".
/// </summary>
public sealed class MaskedAdditiveCoupling : Bijector
{
    private readonly int[] _kept;
    private readonly int[] _transformed;

    public MaskedAdditiveCoupling(int dimensions, int parity, int hiddenFeatures, int hiddenLayers, Rng rng)
    {
        (_kept, _transformed) = VectorColumns.ParitySplit(dimensions, parity);
        Dimensions = dimensions;
        Parity = parity;
        Net = AddModule("net", new Mlp(_kept.Length, hiddenFeatures, _transformed.Length, hiddenLayers, rng, zeroInitLast: true));
    }

    public int Dimensions { get; }

    /// <summary>0: even features condition the odd ones; 1: the reverse.</summary>
    public int Parity { get; }

    public Mlp Net { get; }

    public override (Variable Z, Variable LogDet) Forward(Variable x)
    {
        VectorColumns.CheckVectorInput(x, Dimensions, nameof(MaskedAdditiveCoupling));
        var a = VectorColumns.Gather(x, _kept);
        var b = VectorColumns.Gather(x, _transformed);
        var zb = Ops.Add(b, Net.Forward(a));
        return (VectorColumns.Merge(a, _kept, zb, _transformed), Variable.Constant(Tensor.Zeros(x.Shape[0])));
    }

    public override (Variable X, Variable LogDet) Inverse(Variable z)
    {
        VectorColumns.CheckVectorInput(z, Dimensions, nameof(MaskedAdditiveCoupling));
        var a = VectorColumns.Gather(z, _kept);
        var b = VectorColumns.Gather(z, _transformed);
        var xb = Ops.Sub(b, Net.Forward(a));
        return (VectorColumns.Merge(a, _kept, xb, _transformed), Variable.Constant(Tensor.Zeros(z.Shape[0])));
    }
}
