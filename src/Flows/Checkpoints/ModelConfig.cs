namespace Flows.Checkpoints;

/// <summary>
/// The architecture of a flow, enough to rebuild it before loading its parameters (saved as JSON in
/// every checkpoint). Which fields matter depends on <see cref="Kind"/> and on whether the data are
/// images ([C, H, W]) or vectors ([D]).
/// </summary>
public sealed record ModelConfig
{
    /// <summary>"glow", "realnvp" or "nice".</summary>
    public string Kind { get; init; } = "glow";

    /// <summary>Shape of one data point: [C, H, W] for images, [D] for vectors.</summary>
    public int[] DataShape { get; init; } = [1, 28, 28];

    /// <summary>Multi-scale levels L (image Glow and RealNVP).</summary>
    public int Levels { get; init; } = 2;

    /// <summary>Flow steps per level K (image models), or the total number of steps/couplings (vector models, NICE).</summary>
    public int StepsPerLevel { get; init; } = 8;

    /// <summary>Width of the coupling networks' hidden layers.</summary>
    public int Hidden { get; init; } = 128;

    /// <summary>Hidden layers of the MLP conditioners (vector models and NICE), residual blocks of RealNVP's image conditioners.</summary>
    public int HiddenLayers { get; init; } = 2;

    /// <summary>"affine" or "additive" (image Glow).</summary>
    public string Coupling { get; init; } = "affine";

    /// <summary>Added to the affine coupling's sigmoid scale (image Glow); 0, Glow's scale, also for configs written before it existed.</summary>
    public double ScaleFloor { get; init; }

    /// <summary>Image Glow: a learned per-channel mean and log-std for the top latent (Glow's learn_top) instead of N(0, I).</summary>
    public bool LearnedTopPrior { get; init; }

    /// <summary>
    /// Image Glow: the number of classes of a class-conditional top prior (Glow's y-conditioning; trained on p(x | y)
    /// with each example's label, evaluated as the marginal over the classes); 0 for an unconditional model.
    /// </summary>
    public int Classes { get; init; }

    /// <summary>Channel permutation between couplings (image Glow): "1x1", "lu", "shuffle" or "reverse".</summary>
    public string Permutation { get; init; } = "lu";

    /// <summary>RealNVP on images: the masks after each squeeze, "channel" (the paper's channel-wise masks) or "checkerboard".</summary>
    public string Masks { get; init; } = "channel";

    /// <summary>RealNVP on images: the normalisation bijector after every coupling, "batchnorm" (the paper's), "actnorm" or "none".</summary>
    public string StepNorm { get; init; } = "batchnorm";

    /// <summary>RealNVP and Glow on images: α of RealNVP's logit preprocessing (section 4.1 of its paper), a bijector applied first, or null for none.</summary>
    public double? LogitAlpha { get; init; }

    /// <summary>
    /// Image Glow: back-propagate through the steps by rebuilding their inputs with the inverse instead of
    /// storing activations (memory flat in depth, more compute). Changes no parameter or result beyond round-off.
    /// </summary>
    public bool MemoryEfficientBackprop { get; init; } = true;

    /// <summary>Seed of the parameter initialisation.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>True when the data are images ([C, H, W]); not saved in the JSON.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsImage => DataShape.Length == 3;
}
