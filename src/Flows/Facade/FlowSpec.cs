namespace Flows;

/// <summary>The three flows the library builds.</summary>
public enum FlowKind
{
    /// <summary>Kingma and Dhariwal 2018: ActNorm → invertible 1×1 convolution → affine coupling, L levels of K steps.</summary>
    Glow,

    /// <summary>Dinh et al. 2017: affine couplings with checkerboard and channel masks, multi-scale, batch norm.</summary>
    RealNvp,

    /// <summary>Dinh et al. 2015: additive couplings and a diagonal scaling.</summary>
    Nice,
}

/// <summary>
/// The architecture of a flow, typed. The same spec builds an image model (data [C, H, W]) or a vector model
/// (data [D]); <see cref="Levels"/> and <see cref="Bits"/> matter for images only.
/// </summary>
public sealed record FlowSpec
{
    /// <summary>Which flow to build (default Glow).</summary>
    public FlowKind Kind { get; init; } = FlowKind.Glow;

    /// <summary>Multi-scale levels L (images).</summary>
    public int Levels { get; init; } = 2;

    /// <summary>Flow steps per level K (images), or couplings (vectors and NICE).</summary>
    public int Steps { get; init; } = 8;

    /// <summary>Width of the coupling networks.</summary>
    public int Hidden { get; init; } = 128;

    /// <summary>Hidden layers of vector conditioners and NICE, residual blocks of RealNVP image conditioners (default 2, NICE 4).</summary>
    public int? HiddenLayers { get; init; }

    /// <summary>Glow on images: additive instead of affine couplings.</summary>
    public bool Additive { get; init; }

    /// <summary>Glow on images: learn the top latent's per-channel mean and log-std.</summary>
    public bool LearnedTopPrior { get; init; }

    /// <summary>
    /// Glow and RealNVP on images: α of RealNVP's logit preprocessing as the model's first bijector (1e-6 is RealNVP's
    /// MNIST value; on MNIST it halves the bits/dim of a short run, RESULTS.md); null for none. Likelihoods stay those of the pixels.
    /// </summary>
    public float? Logit { get; init; }

    /// <summary>Glow on images: the number of classes of a class-conditional top prior (fit on labelled images, sample a chosen label); 0 for none.</summary>
    public int Classes { get; init; }

    /// <summary>Images: bits per pixel kept (1-8); densities are of the dequantized pixels.</summary>
    public int Bits { get; init; } = 8;

    /// <summary>Seed of the parameter initialisation.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>Glow with <paramref name="levels"/> levels of <paramref name="steps"/> steps (the library's default model).</summary>
    public static FlowSpec Glow(int levels = 2, int steps = 8, int hidden = 128)
        => new() { Kind = FlowKind.Glow, Levels = levels, Steps = steps, Hidden = hidden };

    /// <summary>RealNVP: <paramref name="levels"/> scales on images, <paramref name="steps"/> couplings on vectors.</summary>
    public static FlowSpec RealNvp(int levels = 2, int steps = 8, int hidden = 128)
        => new() { Kind = FlowKind.RealNvp, Levels = levels, Steps = steps, Hidden = hidden };

    /// <summary>NICE with <paramref name="steps"/> additive couplings.</summary>
    public static FlowSpec Nice(int steps = 4, int hidden = 1000)
        => new() { Kind = FlowKind.Nice, Steps = steps, Hidden = hidden };
}
