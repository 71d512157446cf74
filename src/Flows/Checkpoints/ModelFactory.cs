using Flows.Models;

namespace Flows.Checkpoints;

/// <summary>Builds the flow a <see cref="ModelConfig"/> describes (before its parameters are trained or loaded).</summary>
public static class ModelFactory
{
    /// <summary>The values <see cref="ModelConfig.Kind"/> may take.</summary>
    public static IReadOnlyList<string> Kinds { get; } = ["glow", "realnvp", "nice"];

    /// <summary>A freshly initialised model of <paramref name="config"/>, its weights seeded by <see cref="ModelConfig.Seed"/>.</summary>
    /// <param name="config">The architecture.</param>
    /// <param name="cancellation">Checked while a deep model is built (Ctrl+C during construction).</param>
    /// <exception cref="ArgumentException">An unknown kind, or a model too large for the available memory.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellation"/> fired.</exception>
    public static FlowModel Create(ModelConfig config, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(config);
        CheckSize(config, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes);
        cancellation.ThrowIfCancellationRequested();
        var rng = new Rng(config.Seed);
        int d = Tensor.CheckedLength(config.DataShape);
        return (config.Kind, config.IsImage) switch
        {
            ("nice", true) => Nice.Create(config.DataShape, rng, config.StepsPerLevel, config.Hidden, config.HiddenLayers, logisticPrior: true),
            ("nice", false) => VectorFlows.Nice(d, config.StepsPerLevel, config.Hidden, config.HiddenLayers, rng),
            ("realnvp", false) => VectorFlows.RealNvp(d, config.StepsPerLevel, config.Hidden, config.HiddenLayers, rng),
            ("glow", false) => VectorFlows.Glow(d, config.StepsPerLevel, config.Hidden, config.HiddenLayers, rng),
            ("glow", true) => Glow.Create(ToGlowConfig(config), rng, cancellation),

            // Our preprocessing centres the data on 0 (Glow's), so the logit preprocessing shifts them by 0.5 first.
            ("realnvp", true) => RealNvp.Create(
                config.DataShape, rng, config.Levels, config.Hidden, config.HiddenLayers, StepNorm(config.StepNorm), (float?)config.LogitAlpha,
                channelMasks: config.Masks switch
                {
                    "channel" => true,
                    "checkerboard" => false,
                    _ => throw new ArgumentException($"Unknown masks '{config.Masks}'; expected channel or checkerboard.", nameof(config)),
                },
                logitOffset: 0.5f),
            _ => throw new ArgumentException($"Unknown model '{config.Kind}'; expected one of {string.Join(", ", Kinds)}."),
        };
    }

    private static StepNormalization StepNorm(string name) => name switch
    {
        "batchnorm" => StepNormalization.BatchNorm,
        "actnorm" => StepNormalization.ActNorm,
        "none" => StepNormalization.None,
        _ => throw new ArgumentException($"Unknown step normalisation '{name}'; expected batchnorm, actnorm or none.", nameof(name)),
    };

    /// <summary>
    /// A rough count of the parameters <paramref name="config"/> describes (within a factor of about two; the
    /// couplings' weight matrices dominate), computed before anything is allocated.
    /// </summary>
    public static double EstimatedParameters(ModelConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        double h = config.Hidden, k = config.StepsPerLevel, layers = config.HiddenLayers;
        if (!config.IsImage || config.Kind == "nice")
        {
            double d = config.DataShape.Aggregate(1.0, (a, b) => a * b);
            return k * ((d * h) + (Math.Max(layers - 1, 0) * h * h) + (d * h / (config.IsImage ? 2 : 1)));
        }

        double c = config.DataShape[0], total = 0;
        for (int level = 0; level < config.Levels; level++)
        {
            c *= 4;
            total += config.Kind == "glow"
                ? k * ((c * c) + (4.5 * c * h) + (h * h) + (9 * h * c))
                : 6 * ((layers * 18 * h * h) + (18 * c * h)); // RealNVP: six couplings a scale, residual blocks of two 3x3 convolutions
            c /= 2;
        }

        return total;
    }

    /// <summary>Refuses a model whose parameters, gradients and optimizer moments (16 bytes a parameter) would not fit in <paramref name="availableBytes"/>.</summary>
    /// <exception cref="ArgumentException">The estimate says it would not fit; the message gives the estimate.</exception>
    public static void CheckSize(ModelConfig config, long availableBytes)
    {
        ArgumentNullException.ThrowIfNull(config);
        double parameters = EstimatedParameters(config);
        double bytes = parameters * 16;
        if (bytes > availableBytes)
        {
            throw new ArgumentException(
                $"This model would have about {parameters:G3} parameters, about {bytes / 1e9:G3} GB with their gradients and optimizer state, more than the {availableBytes / 1e9:G3} GB of memory available; use fewer steps (-K) or a smaller --hidden.",
                nameof(config));
        }
    }

    /// <summary>
    /// Refuses training <paramref name="config"/> on batches of <paramref name="batch"/> examples (one rank's share) when
    /// what a step must hold would not fit in <paramref name="availableBytes"/>: the stored activations of ordinary
    /// back-propagation (<see cref="GlowConfig.EstimatedActivationBytes"/>) for a Glow on images, and for every model the
    /// batch itself in its working copies (16 bytes a value), so a --batch of millions fails at once, not in swap.
    /// </summary>
    /// <exception cref="ArgumentException">The estimate says it would not fit; the message gives the estimate and what to change.</exception>
    public static void CheckActivations(ModelConfig config, int batch, long availableBytes)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentOutOfRangeException.ThrowIfLessThan(batch, 1);
        double data = 16.0 * batch * config.DataShape.Aggregate(1.0, (a, b) => a * b);
        if (data > availableBytes)
        {
            throw new ArgumentException(
                $"A batch of {batch} examples needs about {data / 1e9:G3} GB in its working copies alone, more than the {availableBytes / 1e9:G3} GB of memory available; use a smaller --batch.", nameof(config));
        }

        if (config is { Kind: "glow", IsImage: true, MemoryEfficientBackprop: false }
            && ToGlowConfig(config).EstimatedActivationBytes(batch) is var stored && stored > availableBytes)
        {
            throw new ArgumentException(
                $"Ordinary back-propagation would store about {stored / 1e9:G3} GB of activations for a batch of {batch}, more than the {availableBytes / 1e9:G3} GB of memory available; use --memory-efficient true (memory flat in depth) or a smaller --batch.", nameof(config));
        }
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
            Classes = config.Classes,
            LogitAlpha = (float?)config.LogitAlpha,
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
