using Flows.Checkpoints;

namespace Flows.Cli.Commands.Train;

/// <summary>The options of <c>flows train</c>, as typed values.</summary>
internal sealed record TrainSettings
{
    /// <summary>The library's default recipe: the CLI's defaults are its defaults.</summary>
    private static readonly TrainingSettings Recipe = new();

    public string Model { get; init; } = "glow";

    public string? Data { get; init; }

    public int Levels { get; init; } = 2;

    public int StepsPerLevel { get; init; } = 8;

    public int Hidden { get; init; } = 128;

    public int? HiddenLayers { get; init; }

    public string Coupling { get; init; } = "affine";

    /// <summary>Glow's affine coupling: the constant added to its sigmoid scale.</summary>
    public double ScaleFloor { get; init; } = DefaultScaleFloor;

    /// <summary>
    /// The default of --scale-floor for new runs: nflows' 1e-3. Same test bpd after one epoch as Glow's 0
    /// (2.1276 vs 2.1308, seed 1), none of the non-finite memory-efficient gradients, and an inverse that stays
    /// finite (with 0 the 10-minute main job's model decoded some test images to NaN; with 1e-3 the error can
    /// still be large where several couplings contract the same values).
    /// </summary>
    public const double DefaultScaleFloor = 1e-3;

    /// <summary>Glow on images: learn the top prior's per-channel mean and log-std.</summary>
    public bool LearnTop { get; init; }

    /// <summary>Glow on labelled images: a class-conditional top prior, trained on p(x | label).</summary>
    public bool Conditional { get; init; }

    /// <summary>Null: "lu".</summary>
    public string? Permutation { get; init; }

    /// <summary>RealNVP on images: "channel" (the paper's masks after each squeeze) or "checkerboard".</summary>
    public string Masks { get; init; } = "channel";

    /// <summary>RealNVP on images: "batchnorm", "actnorm" or "none" after every coupling.</summary>
    public string StepNorm { get; init; } = "batchnorm";

    /// <summary>RealNVP and Glow on images: α of the logit preprocessing, or null for none.</summary>
    public double? Logit { get; init; }

    public int Bits { get; init; } = 8;

    /// <summary>Glow on images: reversible back-propagation on or off; null (auto) turns it on only where ordinary
    /// back-propagation would store more than <see cref="Flows.Models.GlowConfig.MemoryEfficientThresholdBytes"/>.</summary>
    public bool? MemoryEfficient { get; init; }

    public int Batch { get; init; } = Recipe.Batch;

    public OptimizerKind Optimizer { get; init; } = Recipe.Optimizer;

    public double LearningRate { get; init; } = Recipe.LearningRate;

    public double LogScaleRate { get; init; } = Recipe.LogScaleRate;

    public bool CosineDecay { get; init; } = Recipe.CosineDecay;

    public long Warmup { get; init; } = Recipe.Warmup;

    public double Clip { get; init; } = Recipe.Clip;

    public bool Guard { get; init; } = Recipe.Guard;

    /// <summary>--reconstruction-tolerance.</summary>
    public double ReconstructionTolerance { get; init; } = Recipe.ReconstructionTolerance;

    public double? Epochs { get; init; }

    public long? Steps { get; init; }

    public double? Minutes { get; init; }

    public ulong Seed { get; init; } = Recipe.Seed;


    public string? Out { get; init; }

    public string? Resume { get; init; }

    public long CheckpointEvery { get; init; } = Recipe.CheckpointEvery;

    public int? TestSize { get; init; }

    public int? TrainSize { get; init; }

    /// <summary>Train (and test) on the examples of these labels only; null for all.</summary>
    public int[]? Classes { get; init; }

    /// <summary>Images: replace each training pixel by a random value with this probability (a background model for the likelihood ratio); null for none.</summary>
    public double? Perturb { get; init; }

    public string? DataDir { get; init; }

    public int LogEvery { get; init; } = Recipe.LogEvery;

    /// <summary>
    /// The options given explicitly among those a resumed run takes from its saved configuration (refused
    /// with --resume; on a new run, options that do not apply to the model are refused from it).
    /// </summary>
    public IReadOnlyList<string> Given { get; init; } = [];
}
