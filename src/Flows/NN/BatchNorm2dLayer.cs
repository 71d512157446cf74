namespace Flows.NN;

/// <summary>Batch normalisation of NCHW images per channel, statistics over N, H, W (see <see cref="BatchNormLayer"/>).</summary>
public sealed class BatchNorm2dLayer : BatchNormLayer
{
    /// <summary>Batch normalisation of <paramref name="channels"/> channels of [N, C, H, W] input.</summary>
    /// <param name="channels">C, the number of channels.</param>
    /// <param name="momentum">Weight of the batch statistics in the running averages, in [0, 1].</param>
    /// <param name="epsilon">Added to the variance before the square root; non-negative.</param>
    public BatchNorm2dLayer(int channels, float momentum = 0.1f, float epsilon = 1e-5f)
        : base(channels, 4, momentum, epsilon)
    {
    }
}
