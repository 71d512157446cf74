namespace Flows.NN;

/// <summary>Batch normalisation of NCHW images per channel, statistics over N, H, W (see <see cref="BatchNormLayer"/>).</summary>
public sealed class BatchNorm2dLayer : BatchNormLayer
{
    public BatchNorm2dLayer(int channels, float momentum = 0.1f, float epsilon = 1e-5f)
        : base(channels, 4, momentum, epsilon)
    {
    }
}
