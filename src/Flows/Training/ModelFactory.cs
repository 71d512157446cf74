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
            ("glow", true) => Glow.Create(ToGlowConfig(config), rng),

            // Our preprocessing centres the data on 0 (Glow's), so RealNVP's logit preprocessing is left out.
            ("realnvp", true) => RealNvp.Create(config.DataShape, rng, config.Levels, config.Hidden, config.HiddenLayers, batchNorm: true, logitAlpha: null),
            _ => throw new ArgumentException($"Unknown model '{config.Kind}'; expected one of {string.Join(", ", Kinds)}."),
        };
    }

    /// <summary>The Glow configuration of an image config (coupling and permutation names as the command line spells them).</summary>
    public static GlowConfig ToGlowConfig(ModelConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return new GlowConfig
        {
            DataShape = config.DataShape,
            Levels = config.Levels,
            StepsPerLevel = config.StepsPerLevel,
            Hidden = config.Hidden,
            MemoryEfficientBackprop = config.MemoryEfficientBackprop,
            ScaleFloor = (float)config.ScaleFloor,
            LearnedTopPrior = config.LearnedTopPrior,
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
