using Flows.Autodiff;

namespace Flows.Bijectors;

/// <summary>
/// NICE's diagonal scaling layer (Dinh et al. 2014, section 3.3), parameterised by log-scales s so the
/// scale stays positive: forward z = x ⊙ exp(s); inverse x = z ⊙ exp(−s); logDet = Σ s (the same for
/// every sample). s has the event shape and starts at zero. Parameter: "logScale".
/// </summary>
public sealed class DiagonalScaling : Bijector
{
    private readonly int[] _eventShape;

    /// <summary>The identity scaling (s = 0) over events of <paramref name="eventShape"/>.</summary>
    public DiagonalScaling(params int[] eventShape)
    {
        ArgumentNullException.ThrowIfNull(eventShape);
        _eventShape = (int[])eventShape.Clone();
        LogScale = AddParameter("logScale", Tensor.Zeros(_eventShape));
    }

    /// <summary>The log-scales s "logScale", of the event shape.</summary>
    public Variable LogScale { get; }

    /// <inheritdoc/>
    public override (Variable Z, Variable LogDet) Forward(Variable x)
    {
        CheckShape(x);
        var z = Ops.Mul(x, Ops.Exp(LogScale));
        return (z, VectorColumns.PerSample(Ops.Sum(LogScale), x.Shape[0]));
    }

    /// <inheritdoc/>
    public override (Variable X, Variable LogDet) Inverse(Variable z)
    {
        CheckShape(z);
        var x = Ops.Mul(z, Ops.Exp(Ops.Neg(LogScale)));
        return (x, VectorColumns.PerSample(Ops.Neg(Ops.Sum(LogScale)), z.Shape[0]));
    }

    private void CheckShape(Variable x)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Shape.Length != _eventShape.Length + 1 || !Tensor.SameShape(x.Shape.AsSpan(1), _eventShape))
        {
            throw new ArgumentException($"{nameof(DiagonalScaling)} over events {Tensor.FormatShape(_eventShape)} got {Tensor.FormatShape(x.Shape)}.", nameof(x));
        }
    }
}
