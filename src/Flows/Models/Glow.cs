using System.Globalization;
using Flows.Bijectors;
using Flows.Distributions;

namespace Flows.Models;

/// <summary>
/// Builds Glow (Kingma and Dhariwal 2018) as a <see cref="MultiScaleFlow"/>: per level, squeeze →
/// K × <see cref="Step"/> (a <see cref="Chain"/>: ActNorm → 1×1 convolution → coupling) → split with a learned
/// <see cref="SplitPrior"/> (all but the last level). Parameter names: level{i}.step{k}.actnorm.loc,
/// …invconv.weight (plain) or …invconv.lower/upper/logs (LU), …coupling.conv1.weight, …,
/// level{i}.prior.weight/bias/scale, top.* for a learned or class-conditional top prior.
/// </summary>
public static class Glow
{
    /// <summary>A freshly initialised Glow of the shape <paramref name="config"/> describes, its weights drawn from <paramref name="rng"/>.</summary>
    /// <param name="config">The shape of the model.</param>
    /// <param name="rng">Initialisation randomness.</param>
    /// <param name="cancellation">Checked before each step is built, so that a very deep model can be abandoned while it is being built.</param>
    /// <exception cref="ArgumentException">The configuration is invalid (data not (C, H, W), no level, a negative step count or class count, hidden width below 1).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellation"/> fired.</exception>
    public static MultiScaleFlow Create(GlowConfig config, Rng rng, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(rng);
        if (config.DataShape.Count != 3 || config.Levels < 1 || config.StepsPerLevel < 0 || config.Hidden < 1 || config.Classes < 0)
        {
            throw new ArgumentException($"Invalid Glow configuration: data {Tensor.FormatShape([.. config.DataShape])}, L = {config.Levels}, K = {config.StepsPerLevel}, hidden {config.Hidden}, classes {config.Classes}.", nameof(config));
        }

        int[] shape = [.. config.DataShape];
        var levels = new MultiScaleLevel[config.Levels];
        for (int i = 0; i < config.Levels; i++)
        {
            shape = Squeeze.SqueezedShape(shape);
            int c = shape[0];
            var steps = new List<Bijector>(config.StepsPerLevel + 1);
            if (i == 0 && config.LogitAlpha is float alpha)
            {
                steps.Add(new LogitTransform(alpha, offset: 0.5f)); // element-wise, so after the squeeze as before it
            }

            for (int k = 0; k < config.StepsPerLevel; k++)
            {
                cancellation.ThrowIfCancellationRequested();
                steps.Add(Step(c, config, rng));
            }

            if (i < config.Levels - 1)
            {
                int kept = c / 2;
                levels[i] = MultiScaleLevel.WithSplit(steps, config.LearnedSplitPrior ? new SplitPrior(kept, c - kept) : null);
                shape = [kept, shape[1], shape[2]];
            }
            else
            {
                levels[i] = MultiScaleLevel.Final(steps);
            }
        }

        ConditionalDistribution? top = null;
        if (config.Classes > 0)
        {
            top = new ClassConditionalGaussian(config.Classes, shape);
        }
        else if (config.LearnedTopPrior)
        {
            top = ConditionalDistribution.Unconditional(new DiagonalGaussian(shape));
        }

        return new MultiScaleFlow([.. config.DataShape], levels, top) { MemoryEfficientBackprop = config.MemoryEfficientBackprop };
    }

    /// <summary>
    /// One step of flow (Kingma and Dhariwal 2018, §3) on <paramref name="channels"/> channels, a <see cref="Chain"/>:
    /// "actnorm" (<see cref="ActNorm"/>) → "invconv" (1×1 convolution, LU or plain) or "permute" (a fixed
    /// permutation) → "coupling" (<see cref="Couplings.GlowAffine(int, int, Rng, float)"/> or additive).
    /// </summary>
    public static Chain Step(int channels, GlowConfig config, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(config);
        Bijector mixing = config.Mixing switch
        {
            GlowMixing.Lu => new LuInvertibleConv1x1(channels, rng),
            GlowMixing.Plain => new InvertibleConv1x1(channels, rng),
            GlowMixing.Reverse => ChannelPermutation.Reverse(channels),
            _ => ChannelPermutation.Shuffle(channels, rng),
        };
        Bijector coupling = config.Coupling == GlowCouplingKind.Affine
            ? Couplings.GlowAffine(channels, config.Hidden, rng, config.ScaleFloor)
            : Couplings.GlowAdditive(channels, config.Hidden, rng);
        var actNorm = new ActNorm(channels);
        return new Chain([("actnorm", actNorm), (mixing is ChannelPermutation ? "permute" : "invconv", mixing), ("coupling", coupling)]);
    }

    /// <summary>
    /// Copies parameters by name from <paramref name="tensors"/> (e.g. a safetensors file) into a Glow model.
    /// A full "level{i}.step{k}.invconv.weight" is decomposed into P, L, U, sign and logs when the model
    /// uses LU convolutions. Buffers (LU permutation and sign, permutation indices) are copied when present.
    /// Every ActNorm is marked initialised. Throws when a parameter has no tensor or a
    /// shape differs; returns the names that were used (others, such as test vectors, are ignored).
    /// </summary>
    public static IReadOnlySet<string> LoadParameters(MultiScaleFlow model, IReadOnlyDictionary<string, Tensor> tensors)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(tensors);
        var used = new HashSet<string>(StringComparer.Ordinal);
        var loaded = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < model.Levels.Count; i++)
        {
            var steps = model.Levels[i].Steps;
            for (int k = 0; k < steps.Count; k++)
            {
                string prefix = string.Create(CultureInfo.InvariantCulture, $"level{i}.step{k}.invconv.");
                if (steps[k] is Chain { Steps: [_, LuInvertibleConv1x1 lu, _] } && tensors.TryGetValue(prefix + "weight", out var w))
                {
                    if (!Tensor.SameShape(w.Shape, [lu.Channels, lu.Channels]))
                    {
                        throw new ArgumentException($"'{prefix}weight' has shape {Tensor.FormatShape(w.Shape)}, expected [{lu.Channels}, {lu.Channels}].", nameof(tensors));
                    }

                    lu.SetWeight(w.Span);
                    used.Add(prefix + "weight");
                    loaded.Add(prefix + "lower");
                    loaded.Add(prefix + "upper");
                    loaded.Add(prefix + "logs");
                }
            }
        }

        foreach (var (name, p) in model.NamedParameters())
        {
            if (tensors.TryGetValue(name, out var source))
            {
                if (!source.SameShape(p.Value))
                {
                    throw new ArgumentException($"'{name}' has shape {Tensor.FormatShape(source.Shape)}, the model expects {Tensor.FormatShape(p.Value.Shape)}.", nameof(tensors));
                }

                source.Span.CopyTo(p.Value.Span);
                used.Add(name);
            }
            else if (!loaded.Contains(name))
            {
                throw new ArgumentException($"No tensor for parameter '{name}'.", nameof(tensors));
            }
        }

        foreach (var (name, b) in model.NamedBuffers())
        {
            if (tensors.TryGetValue(name, out var source))
            {
                if (!source.SameShape(b))
                {
                    throw new ArgumentException($"Buffer '{name}' has shape {Tensor.FormatShape(source.Shape)}, the model expects {Tensor.FormatShape(b.Shape)}.", nameof(tensors));
                }

                source.Span.CopyTo(b.Span);
                used.Add(name);
            }

            if (name.EndsWith(".initialized", StringComparison.Ordinal))
            {
                b.Span[0] = 1f;
            }
        }

        return used;
    }
}
