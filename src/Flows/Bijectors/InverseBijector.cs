using Flows.Autodiff;

namespace Flows.Bijectors;

/// <summary>Swaps the directions of <see cref="Inner"/>: Forward is Inner.Inverse and Inverse is Inner.Forward.</summary>
public sealed class InverseBijector : Bijector
{
    public InverseBijector(Bijector inner)
    {
        Inner = AddModule("inner", inner);
    }

    public Bijector Inner { get; }

    public override (Variable Z, Variable LogDet) Forward(Variable x) => Inner.Inverse(x);

    public override (Variable X, Variable LogDet) Inverse(Variable z) => Inner.Forward(z);
}
