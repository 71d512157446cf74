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

    public int Levels { get; init; } = 2;

    public int StepsPerLevel { get; init; } = 8;

    /// <summary>Width of the coupling networks.</summary>
    public int Hidden { get; init; } = 128;

    public GlowCouplingKind Coupling { get; init; } = GlowCouplingKind.Affine;

    public GlowMixing Mixing { get; init; } = GlowMixing.Lu;

    /// <summary>
    /// Added to the affine coupling's sigmoid scale (see <see cref="Bijectors.AffineCoupling"/>): 0 is Glow's
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

    /// <summary>The benchmark model glow-mnist.</summary>
    public static GlowConfig Benchmark { get; } = new();
}
