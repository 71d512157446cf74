
namespace Flows.Data;

/// <summary>Real vectors [Count, D] served as they are (no noise), shape [n, D].</summary>
public sealed class PointSplit : DataSplit
{
    private readonly float[] _points;
    private readonly int _dimensions;

    /// <param name="points">[count, dimensions] row-major; kept, not copied.</param>
    /// <param name="dimensions">Values per point.</param>
    public PointSplit(float[] points, int dimensions)
    {
        ArgumentNullException.ThrowIfNull(points);
        ArgumentOutOfRangeException.ThrowIfLessThan(dimensions, 1);
        if (points.Length % dimensions != 0)
        {
            throw new ArgumentException($"{points.Length} values are not whole points of {dimensions} dimensions.", nameof(points));
        }

        _points = points;
        _dimensions = dimensions;
    }

    /// <inheritdoc/>
    public override int Count => _points.Length / _dimensions;

    /// <inheritdoc/>
    public override int[] SampleShape => [_dimensions];

    /// <summary>Always null: points have no labels.</summary>
    public override byte[]? Labels => null;

    /// <summary>The points, [Count, D] row-major.</summary>
    public ReadOnlySpan<float> Points => _points;

    /// <summary>A copy of the points at <paramref name="indices"/> as [n, D]; <paramref name="rng"/> is not used (no noise).</summary>
    /// <exception cref="ArgumentOutOfRangeException">An index is not below <see cref="Count"/>.</exception>
    public override Tensor Batch(ReadOnlySpan<int> indices, Rng? rng)
    {
        var t = Tensor.Uninitialized(indices.Length, _dimensions);
        var span = t.Span;
        for (int i = 0; i < indices.Length; i++)
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(indices[i], Count, nameof(indices));
            _points.AsSpan(indices[i] * _dimensions, _dimensions).CopyTo(span.Slice(i * _dimensions, _dimensions));
        }

        return t;
    }
}
