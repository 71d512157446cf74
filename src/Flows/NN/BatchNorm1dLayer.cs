namespace Flows.NN;

/// <summary>Batch normalisation of [N, D] per feature (see <see cref="BatchNormLayer"/>).</summary>
public sealed class BatchNorm1dLayer : BatchNormLayer
{
    /// <summary>Batch normalisation of <paramref name="features"/> features of [N, D] input.</summary>
    /// <param name="features">D, the number of features.</param>
    /// <param name="momentum">Weight of the batch statistics in the running averages, in [0, 1].</param>
    /// <param name="epsilon">Added to the variance before the square root; non-negative.</param>
    public BatchNorm1dLayer(int features, float momentum = 0.1f, float epsilon = 1e-5f)
        : base(features, 2, momentum, epsilon)
    {
    }
}
