using Flows.Autodiff;

namespace Flows.Bijectors;

/// <summary>
/// NICE's and RealNVP's split of vectors [N, D] by an alternating mask: the even features are kept for parity 0
/// (the odd ones for parity 1), the others transformed.
/// </summary>
public sealed class ParityColumns : CouplingSplit
{
    private readonly int[] _kept;
    private readonly int[] _transformed;

    public ParityColumns(int dimensions, int parity)
    {
        (_kept, _transformed) = VectorColumns.ParitySplit(dimensions, parity);
        Dimensions = dimensions;
        Parity = parity;
    }

    public int Dimensions { get; }

    /// <summary>0: even features condition the odd ones; 1: the reverse.</summary>
    public int Parity { get; }

    public int KeptCount => _kept.Length;

    public int TransformedCount => _transformed.Length;

    public override bool IsPartition => true;

    public override Variable Kept(Variable x) => VectorColumns.Gather(x, _kept);

    public override Variable Transformed(Variable x) => VectorColumns.Gather(x, _transformed);

    public override Variable Join(Variable x, Variable kept, Variable y) => VectorColumns.Merge(kept, _kept, y, _transformed);

    public override Variable SumTransformed(Variable logScale) => Ops.SumPerSample(logScale);

    public override void WriteTransformed(Tensor x, Tensor transformed)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(transformed);
        int n = x.Shape[0], k = _transformed.Length;
        for (int s = 0; s < n; s++)
        {
            for (int j = 0; j < k; j++)
            {
                x.Span[(s * Dimensions) + _transformed[j]] = transformed.Span[(s * k) + j];
            }
        }
    }

    public override void Check(Variable x, string parameterName) => VectorColumns.CheckVectorInput(x, Dimensions, nameof(Coupling));
}
