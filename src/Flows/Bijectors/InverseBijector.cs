using Flows.Autodiff;

namespace Flows.Bijectors;

/// <summary>Swaps the directions of <see cref="Inner"/>: Forward is Inner.Inverse and Inverse is Inner.Forward.</summary>
public sealed class InverseBijector : Bijector
{
    /// <summary>The inverse of <paramref name="inner"/>, registered as the child "inner".</summary>
    public InverseBijector(Bijector inner)
    {
        Inner = AddModule("inner", inner);
    }

    /// <summary>The bijector whose directions are swapped.</summary>
    public Bijector Inner { get; }

    /// <summary><see cref="Inner"/>'s inverse applied to <paramref name="x"/>, with its log-det.</summary>
    public override (Variable Z, Variable LogDet) Forward(Variable x) => Inner.Inverse(x);

    /// <summary><see cref="Inner"/>'s forward applied to <paramref name="z"/>, with its log-det.</summary>
    public override (Variable X, Variable LogDet) Inverse(Variable z) => Inner.Forward(z);
}
