using Flows.Autodiff;

namespace Flows.Bijectors;

/// <summary>
/// Reshapes events of a given shape (e.g. [1, 28, 28]) to vectors: forward [N, …] → [N, D]; inverse
/// [N, D] → [N, …]; logDet = 0. Lets vector layers (NICE's couplings) run on image-shaped data.
/// </summary>
public sealed class Flatten : Bijector
{
    private readonly int[] _eventShape;

    /// <summary>The reshape of events of <paramref name="eventShape"/> to vectors of their D elements.</summary>
    public Flatten(params int[] eventShape)
    {
        ArgumentNullException.ThrowIfNull(eventShape);
        _eventShape = (int[])eventShape.Clone();
        Dimensions = Tensor.CheckedLength(_eventShape);
    }

    /// <summary>Shape of one event before flattening (a copy).</summary>
    public int[] EventShape => (int[])_eventShape.Clone();

    /// <summary>D, the elements of one event.</summary>
    public int Dimensions { get; }

    /// <inheritdoc/>
    public override (Variable Z, Variable LogDet) Forward(Variable x)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Shape.Length != _eventShape.Length + 1 || !Tensor.SameShape(x.Shape.AsSpan(1), _eventShape))
        {
            throw new ArgumentException($"{nameof(Flatten)} of events {Tensor.FormatShape(_eventShape)} got {Tensor.FormatShape(x.Shape)}.", nameof(x));
        }

        return (Ops.Reshape(x, x.Shape[0], Dimensions), Variable.Constant(Tensor.Zeros(x.Shape[0])));
    }

    /// <inheritdoc/>
    public override (Variable X, Variable LogDet) Inverse(Variable z)
    {
        VectorColumns.CheckVectorInput(z, Dimensions, nameof(Flatten));
        var shape = new int[_eventShape.Length + 1];
        shape[0] = z.Shape[0];
        _eventShape.CopyTo(shape, 1);
        return (Ops.Reshape(z, shape), Variable.Constant(Tensor.Zeros(z.Shape[0])));
    }
}
