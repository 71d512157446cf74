namespace Flows.NN;

/// <summary>Batch normalisation of [N, D] per feature (see <see cref="BatchNormLayer"/>).</summary>
public sealed class BatchNorm1dLayer : BatchNormLayer
{
    public BatchNorm1dLayer(int features, float momentum = 0.1f, float epsilon = 1e-5f)
        : base(features, 2, momentum, epsilon)
    {
    }
}
