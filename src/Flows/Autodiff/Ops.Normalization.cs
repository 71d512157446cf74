using Flows.Tensors;

namespace Flows.Autodiff;

public static partial class Ops
{
    /// <summary>
    /// Per-feature batch statistics of x [N, C] or [N, C, H, W]: the mean and the biased variance
    /// (divided by the count, as batch normalisation uses them) over every axis but 1, both shaped
    /// [1, C] or [1, C, 1, 1] so they broadcast back against x. Composed from primitives, so it is
    /// differentiable; the variance is taken of the centred values (two passes), which keeps it
    /// accurate when |mean| ≫ std.
    /// </summary>
    public static (Variable Mean, Variable Variance) BatchMeanVariance(Variable x)
    {
        ArgumentNullException.ThrowIfNull(x);
        int rank = x.Shape.Length;
        if (rank < 2)
        {
            throw new ArgumentException($"BatchMeanVariance needs x [N, C, ...], got {Tensor.FormatShape(x.Shape)}.", nameof(x));
        }

        var axes = new int[rank - 1];
        axes[0] = 0;
        for (int i = 2; i < rank; i++)
        {
            axes[i - 1] = i;
        }

        var mean = Mean(x, axes, keepDims: true);
        var centred = Sub(x, mean);
        var variance = Mean(Square(centred), axes, keepDims: true);
        return (mean, variance);
    }
}
