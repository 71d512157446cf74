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

    /// <summary>The split of <paramref name="dimensions"/> features (at least 2) keeping the even (<paramref name="parity"/> 0) or odd (1) ones.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Fewer than 2 dimensions, or a parity other than 0 or 1.</exception>
    public ParityColumns(int dimensions, int parity)
    {
        (_kept, _transformed) = VectorColumns.ParitySplit(dimensions, parity);
        Dimensions = dimensions;
        Parity = parity;
    }

    /// <summary>Number of features D.</summary>
    public int Dimensions { get; }

    /// <summary>0: even features condition the odd ones; 1: the reverse.</summary>
    public int Parity { get; }

    /// <summary>Number of kept features.</summary>
    public int KeptCount => _kept.Length;

    /// <summary>Number of transformed features.</summary>
    public int TransformedCount => _transformed.Length;

    /// <summary>True: the kept and transformed features are disjoint.</summary>
    public override bool IsPartition => true;

    /// <summary>The kept features, [N, <see cref="KeptCount"/>].</summary>
    public override Variable Kept(Variable x) => VectorColumns.Gather(x, _kept);

    /// <summary>The transformed features, [N, <see cref="TransformedCount"/>].</summary>
    public override Variable Transformed(Variable x) => VectorColumns.Gather(x, _transformed);

    /// <summary>[N, D] with the kept features at their columns and <paramref name="y"/> at the transformed ones.</summary>
    public override Variable Join(Variable x, Variable kept, Variable y) => VectorColumns.Merge(kept, _kept, y, _transformed);

    /// <inheritdoc/>
    public override Variable SumTransformed(Variable logScale) => Ops.SumPerSample(logScale);

    /// <inheritdoc/>
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

    /// <inheritdoc/>
    public override void Check(Variable x, string parameterName) => VectorColumns.CheckVectorInput(x, Dimensions, nameof(Coupling));
}
