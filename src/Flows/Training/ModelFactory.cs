using Flows.Kernels;
using Flows.Models;

namespace Flows.Training;

/// <summary>Builds the flow a <see cref="ModelConfig"/> describes (before its parameters are trained or loaded).</summary>
public static class ModelFactory
{
    public static IReadOnlyList<string> Kinds { get; } = ["glow", "realnvp", "nice"];

    public static FlowModel Create(ModelConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var rng = new Rng(config.Seed);
        int d = Tensor.CheckedLength(config.DataShape);
        return (config.Kind, config.IsImage) switch
        {
            ("nice", true) => Nice.Create(config.DataShape, rng, config.StepsPerLevel, config.Hidden, config.HiddenLayers, logisticPrior: true),
            ("nice", false) => VectorFlows.Nice(d, config.StepsPerLevel, config.Hidden, config.HiddenLayers, rng),
            ("realnvp", false) => VectorFlows.RealNvp(d, config.StepsPerLevel, config.Hidden, config.HiddenLayers, rng),
            ("glow", false) => VectorFlows.Glow(d, config.StepsPerLevel, config.Hidden, config.HiddenLayers, rng),
            ("glow" or "realnvp", true) => Glow.Create(ToGlowConfig(config), rng),
            _ => throw new ArgumentException($"Unknown model '{config.Kind}'; expected one of {string.Join(", ", Kinds)}."),
        };
    }

    /// <summary>
    /// The multi-scale model of an image config. RealNVP's image model is the same multi-scale stack
    /// with channel-wise affine couplings; it differs from Glow only in the defaults the command line
    /// picks (reverse permutation instead of the 1×1 convolution).
    /// </summary>
    public static GlowConfig ToGlowConfig(ModelConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return new GlowConfig
        {
            DataShape = config.DataShape,
            Levels = config.Levels,
            StepsPerLevel = config.StepsPerLevel,
            Hidden = config.Hidden,
            Coupling = config.Coupling switch
            {
                "affine" => GlowCouplingKind.Affine,
                "additive" => GlowCouplingKind.Additive,
                _ => throw new ArgumentException($"Unknown coupling '{config.Coupling}'; expected affine or additive.", nameof(config)),
            },
            Mixing = config.Permutation switch
            {
                "lu" => GlowMixing.Lu,
                "1x1" => GlowMixing.Plain,
                "shuffle" => GlowMixing.Shuffle,
                "reverse" => GlowMixing.Reverse,
                _ => throw new ArgumentException($"Unknown permutation '{config.Permutation}'; expected 1x1, lu, shuffle or reverse.", nameof(config)),
            },
        };
    }
}
