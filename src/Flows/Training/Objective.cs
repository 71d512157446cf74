using Flows.Autodiff;
using Flows.Data;

namespace Flows.Training;

/// <summary>
/// What training minimises and evaluation reports: mean bits per dimension for images
/// (bpd = −log p(x)/(D·ln 2) + bits, <see cref="Dequantization"/>), mean negative log-likelihood in nats
/// for real-valued points.
/// </summary>
public sealed class Objective
{
    private Objective(int dimensions, int? bits)
    {
        Dimensions = dimensions;
        Bits = bits;
    }

    /// <summary>Dimensions D of one example.</summary>
    public int Dimensions { get; }

    /// <summary>Bits per pixel of the dequantized images, or null for points.</summary>
    public int? Bits { get; }

    /// <summary>"bpd" or "nll".</summary>
    public string Name => Bits is null ? "nll" : "bpd";

    /// <summary>Bits per dimension for an image dataset (at its dequantization's bits), negative log-likelihood in nats otherwise.</summary>
    public static Objective For(Dataset dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        return new Objective(dataset.Train.Dimensions, dataset.Dequantization?.Bits);
    }

    /// <summary>Mean bits per dimension of images with <paramref name="dimensions"/> values dequantized at <paramref name="bits"/> bits.</summary>
    public static Objective BitsPerDim(int dimensions, int bits = 8) => new(dimensions, bits);

    /// <summary>Mean negative log-likelihood in nats of points with <paramref name="dimensions"/> values.</summary>
    public static Objective NegativeLogLikelihood(int dimensions) => new(dimensions, null);

    /// <summary>The scalar loss node: the batch mean of the metric.</summary>
    public Variable Loss(Variable logProb)
    {
        ArgumentNullException.ThrowIfNull(logProb);
        var mean = Ops.Mean(logProb);
        if (Bits is null)
        {
            return Ops.Neg(mean);
        }

        return Ops.AddScalar(Ops.Scale(mean, (float)(-1.0 / (Dimensions * Math.Log(2)))), Bits.Value);
    }

    /// <summary>The metric of one example (or a mean) from its log-density in nats.</summary>
    public double Metric(double logProb)
        => Bits is null ? -logProb : Dequantization.BitsPerDim(logProb, Dimensions, Bits.Value);
}
