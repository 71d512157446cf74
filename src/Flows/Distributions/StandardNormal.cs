using Flows.Autodiff;

namespace Flows.Distributions;

/// <summary>N(0, I) over events of a given shape: log p(z) = −½ Σ z² − (D/2) ln 2π.</summary>
public sealed class StandardNormal : Distribution
{
    private readonly int[] _eventShape;

    /// <summary>N(0, I) over events of <paramref name="eventShape"/>.</summary>
    public StandardNormal(params int[] eventShape)
    {
        ArgumentNullException.ThrowIfNull(eventShape);
        _eventShape = (int[])eventShape.Clone();
        Dimensions = Tensor.CheckedLength(_eventShape);
    }

    /// <inheritdoc/>
    public override int[] EventShape => (int[])_eventShape.Clone();

    /// <summary>Elements D of one event.</summary>
    public int Dimensions { get; }

    /// <inheritdoc/>
    public override Variable LogProb(Variable z)
    {
        CheckEvent(z);
        var sq = Ops.SumPerSample(Ops.Square(z));
        return Ops.AddScalar(Ops.Scale(sq, -0.5f), (float)(-0.5 * Dimensions * Math.Log(2 * Math.PI)));
    }

    /// <inheritdoc/>
    public override Tensor Sample(int n, float temperature, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        var t = Tensor.Uninitialized(BatchShape(n));
        rng.FillNormal(t.Span, 0f, temperature);
        return t;
    }
}
