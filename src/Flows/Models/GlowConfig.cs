namespace Flows.Models;

/// <summary>
/// The shape of a Glow model. The defaults are the benchmark model <c>glow-mnist</c>: 1×28×28 data,
/// L = 2 levels of K = 8 steps, hidden width 128, affine coupling, LU 1×1 convolution, learned split
/// prior, N(0, I) top prior (437,328 parameters).
/// </summary>
public sealed record GlowConfig
{
    /// <summary>(C, H, W) of one image; H and W must be divisible by 2^Levels.</summary>
    public IReadOnlyList<int> DataShape { get; init; } = [1, 28, 28];

    /// <summary>Number of levels L (each squeezes once; all but the last split).</summary>
    public int Levels { get; init; } = 2;

    /// <summary>Flow steps per level K.</summary>
    public int StepsPerLevel { get; init; } = 8;

    /// <summary>Width of the coupling networks.</summary>
    public int Hidden { get; init; } = 128;

    /// <summary>
    /// α of a logit preprocessing (RealNVP's, <see cref="Bijectors.LogitTransform"/>) as the first step of level 0, for
    /// data centred on 0 (offset 0.5); null for none (Glow's). A bijector of the model, so bits/dim stay those of the pixels.
    /// </summary>
    public float? LogitAlpha { get; init; }

    /// <summary>The coupling of each step: affine (default) or additive.</summary>
    public GlowCouplingKind Coupling { get; init; } = GlowCouplingKind.Affine;

    /// <summary>The channel mixing of each step: the LU-parameterised 1×1 convolution by default.</summary>
    public GlowMixing Mixing { get; init; } = GlowMixing.Lu;

    /// <summary>
    /// Added to the affine coupling's sigmoid scale (see <see cref="Bijectors.SigmoidAffineTransform"/>): 0 is Glow's
    /// scale; 1e-3 (nflows') keeps every scale ≥ 1e-3, so the inverse cannot blow up.
    /// </summary>
    public float ScaleFloor { get; init; }

    /// <summary>Learned conditional prior at each split (Glow's split2d); false for N(0, I).</summary>
    public bool LearnedSplitPrior { get; init; } = true;

    /// <summary>Learned per-channel mean and log-std of the top latent (Glow's learn_top).</summary>
    public bool LearnedTopPrior { get; init; }

    /// <summary>
    /// Number of classes for a class-conditional top prior (Glow's y-conditioning, a learned linear map of the
    /// one-hot label whose bias is itself a learned top prior; takes precedence over <see cref="LearnedTopPrior"/>); 0 for none.
    /// </summary>
    public int Classes { get; init; }

    /// <summary>
    /// Train with reversible back-propagation (<see cref="MultiScaleFlow.MemoryEfficientBackprop"/>): no step
    /// activation is stored, memory stays flat in the number of steps, at the price of recomputing each step.
    /// </summary>
    public bool MemoryEfficientBackprop { get; init; } = true;

    /// <summary>
    /// Above this many bytes of stored step activations (<see cref="EstimatedActivationBytes"/>), training is
    /// better off memory-efficient: ordinary back-propagation is ~25% faster on glow-mnist (bench glow-mnist,
    /// 7 Dec: 305-334 vs 245-252 img/s) but its memory grows with depth and batch.
    /// </summary>
    public const long MemoryEfficientThresholdBytes = 1L << 30;

    /// <summary>
    /// An estimate of the bytes ordinary back-propagation keeps for the backward pass of one training batch:
    /// per step and position, the ActNorm and mixing outputs and the coupling's input, scale, shift and output
    /// (6 × channels floats) and its network's two hidden layers before and after ActNorm and ReLU (6 × hidden
    /// floats). glow-mnist at batch 64: 0.40 GB (its measured training peak is ~0.4 GiB).
    /// </summary>
    public long EstimatedActivationBytes(int batch)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batch, 1);
        long channels = DataShape[0], height = DataShape[1], width = DataShape[2];
        long floats = 0;
        for (int level = 0; level < Levels; level++)
        {
            channels *= 4;
            height /= 2;
            width /= 2;
            floats += StepsPerLevel * height * width * ((6 * channels) + (6L * Hidden));
            channels /= 2;
        }

        return floats * batch * sizeof(float);
    }

    /// <summary>True when training at <paramref name="batch"/> would store more than <see cref="MemoryEfficientThresholdBytes"/>.</summary>
    public bool NeedsMemoryEfficientBackprop(int batch) => EstimatedActivationBytes(batch) > MemoryEfficientThresholdBytes;

    /// <summary>The benchmark model glow-mnist.</summary>
    public static GlowConfig Benchmark { get; } = new();
}
