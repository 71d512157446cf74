using Flows.Bijectors;
using Flows.Distributions;
using Flows.NN;

namespace Flows.Models;

/// <summary>
/// One level of a <see cref="MultiScaleFlow"/>: an optional squeeze, then its steps in order (named
/// "step0", "step1", …), then — except on the last level — a split that keeps the first half of the
/// channels and factors out the second half under <see cref="Prior"/> (named "prior"; a standard normal
/// when none is given). Steps must keep the shape, except <see cref="Bijectors.Squeeze"/> steps.
/// </summary>
public sealed class MultiScaleLevel : Module
{
    private readonly Bijector[] _steps;

    private MultiScaleLevel(IReadOnlyList<Bijector> steps, bool squeeze, bool split, ConditionalDistribution? prior)
    {
        ArgumentNullException.ThrowIfNull(steps);
        Squeeze = squeeze;
        IsSplit = split;
        _steps = [.. steps];
        for (int k = 0; k < _steps.Length; k++)
        {
            AddModule($"step{k.ToString(System.Globalization.CultureInfo.InvariantCulture)}", _steps[k]);
        }

        if (prior is not null)
        {
            Prior = AddModule("prior", prior);
        }
    }

    /// <summary>Squeeze first ((C, H, W) → (4C, H/2, W/2)).</summary>
    public bool Squeeze { get; }

    /// <summary>True when this level factors out half of its channels; false on the last level.</summary>
    public bool IsSplit { get; }

    /// <summary>The steps, in data-to-latent order ("step0", "step1", …).</summary>
    public IReadOnlyList<Bijector> Steps => _steps;

    /// <summary>The learned prior of the factored-out half given the kept half; null means N(0, I).</summary>
    public ConditionalDistribution? Prior { get; }

    /// <summary>A level that ends by factoring out the second half of its channels.</summary>
    public static MultiScaleLevel WithSplit(IReadOnlyList<Bijector> steps, ConditionalDistribution? prior = null, bool squeeze = true)
        => new(steps, squeeze, split: true, prior);

    /// <summary>The last level: everything left is the final latent, under the model's top prior.</summary>
    public static MultiScaleLevel Final(IReadOnlyList<Bijector> steps, bool squeeze = true)
        => new(steps, squeeze, split: false, prior: null);
}
