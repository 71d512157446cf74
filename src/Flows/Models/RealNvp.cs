using Flows.Bijectors;
using Flows.NN;

namespace Flows.Models;

/// <summary>
/// RealNVP's multi-scale image model (Dinh, Sohl-Dickstein, Bengio 2017, section 3.6) as a
/// <see cref="MultiScaleFlow"/>: on each scale but the last, 3 affine couplings with alternating
/// checkerboard masks, a squeeze, 3 couplings with alternating channel-wise masks, then half of the
/// channels is factored out under N(0, I); the last scale has 4 checkerboard couplings. Optionally a
/// <see cref="LogitTransform"/> first (the paper's preprocessing) and a normalisation after every coupling:
/// the paper's <see cref="BatchNormBijector"/> (section 3.7) or Glow's <see cref="ActNorm"/>. For the paper's
/// ablation, the channel-wise couplings can be replaced by checkerboard ones (<c>channelMasks: false</c>).
/// </summary>
public static class RealNvp
{
    /// <param name="dataShape">(C, H, W) of one image; H and W must halve (scales − 1) times.</param>
    /// <param name="rng">Initialisation randomness.</param>
    /// <param name="scales">Number of scales (levels), the last one without factor-out.</param>
    /// <param name="hiddenChannels">Width of every coupling's ResNet conditioner (64 in the paper for CIFAR-10).</param>
    /// <param name="residualBlocks">Residual blocks per conditioner (8 in the paper for CIFAR-10).</param>
    /// <param name="stepNorm">The normalisation bijector after every coupling (the paper's: batch norm).</param>
    /// <param name="logitAlpha">α of the logit preprocessing (0.05 in the paper for CIFAR-10); null for none.</param>
    /// <param name="normalization">Normalisation inside the ResNet conditioners (the paper's code: batch and weight).</param>
    /// <param name="channelMasks">The paper's channel-wise masks after each squeeze; false for checkerboard masks there too.</param>
    /// <param name="logitOffset">Added to the data before the logit (0.5 for data centred on 0, as the command line's); ignored without <paramref name="logitAlpha"/>.</param>
    public static MultiScaleFlow Create(int[] dataShape, Rng rng, int scales = 3, int hiddenChannels = 64, int residualBlocks = 8, StepNormalization stepNorm = StepNormalization.BatchNorm, float? logitAlpha = 0.05f, ResNetNormalization normalization = ResNetNormalization.BatchAndWeight, bool channelMasks = true, float logitOffset = 0f)
    {
        ArgumentNullException.ThrowIfNull(dataShape);
        ArgumentNullException.ThrowIfNull(rng);
        ArgumentOutOfRangeException.ThrowIfLessThan(scales, 1);
        if (dataShape.Length != 3)
        {
            throw new ArgumentException($"RealNVP needs an image shape (C, H, W), got {Tensor.FormatShape(dataShape)}.", nameof(dataShape));
        }

        var levels = new List<MultiScaleLevel>();
        int[] shape = (int[])dataShape.Clone();
        for (int level = 0; level < scales; level++)
        {
            var steps = new List<Bijector>();
            if (level == 0 && logitAlpha is float alpha)
            {
                steps.Add(new LogitTransform(alpha, logitOffset));
            }

            bool last = level == scales - 1;
            int checkerboards = last ? 4 : 3;
            for (int i = 0; i < checkerboards; i++)
            {
                AddCoupling(steps, shape, CouplingMask.Checkerboard, i % 2, hiddenChannels, residualBlocks, stepNorm, normalization, rng);
            }

            if (last)
            {
                levels.Add(MultiScaleLevel.Final(steps, squeeze: false));
                break;
            }

            steps.Add(new Squeeze());
            shape = Squeeze.SqueezedShape(shape);
            for (int i = 0; i < 3; i++)
            {
                AddCoupling(steps, shape, channelMasks ? CouplingMask.ChannelWise : CouplingMask.Checkerboard, i % 2, hiddenChannels, residualBlocks, stepNorm, normalization, rng);
            }

            levels.Add(MultiScaleLevel.WithSplit(steps, prior: null, squeeze: false));
            shape = [shape[0] / 2, shape[1], shape[2]];
        }

        return new MultiScaleFlow(dataShape, levels);
    }

    private static void AddCoupling(List<Bijector> steps, int[] shape, CouplingMask mask, int parity, int hidden, int blocks, StepNormalization stepNorm, ResNetNormalization normalization, Rng rng)
    {
        steps.Add(Couplings.RealNvpImage(shape, mask, parity, hidden, blocks, rng, normalization));
        switch (stepNorm)
        {
            case StepNormalization.BatchNorm:
                steps.Add(new BatchNormBijector(shape));
                break;
            case StepNormalization.ActNorm:
                steps.Add(new ActNorm(shape[0]));
                break;
            case StepNormalization.None:
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(stepNorm), stepNorm, "Unknown step normalisation.");
        }
    }
}
