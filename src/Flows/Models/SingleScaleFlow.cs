using Flows.Autodiff;
using Flows.Bijectors;
using Flows.Distributions;

namespace Flows.Models;

/// <summary>
/// A flow with one latent: z = f(x) through one bijector, and a prior over z.
/// log p(x) = log p_z(f(x)) + log|det ∂f/∂x|. NICE and the vector flows are built as this.
/// Children: "bijector", "prior".
/// </summary>
public sealed class SingleScaleFlow : FlowModel
{
    private readonly int[] _dataShape;

    /// <summary>A flow over data of <paramref name="dataShape"/> (without the batch axis) through <paramref name="bijector"/> to latents under <paramref name="prior"/>.</summary>
    public SingleScaleFlow(int[] dataShape, Bijector bijector, Distribution prior)
    {
        ArgumentNullException.ThrowIfNull(dataShape);
        _dataShape = (int[])dataShape.Clone();
        Bijector = AddModule("bijector", bijector);
        Prior = AddModule("prior", prior);
    }

    /// <inheritdoc/>
    public override int[] DataShape => (int[])_dataShape.Clone();

    /// <summary>The map f from data to latent ("bijector").</summary>
    public Bijector Bijector { get; }

    /// <summary>The density p_z of the latent ("prior").</summary>
    public Distribution Prior { get; }

    /// <inheritdoc/>
    public override Variable LogProb(Variable x)
    {
        CheckData(x.Shape);
        var (z, logDet) = Bijector.Forward(x);
        return Ops.Add(Prior.LogProb(z), logDet);
    }

    /// <summary>Exact encoding x → [z], one latent; the caller owns it (never the argument itself).</summary>
    /// <exception cref="ArgumentException"><paramref name="x"/> is not a batch of <see cref="DataShape"/>.</exception>
    public override IReadOnlyList<Tensor> Encode(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        CheckData(x.Shape);
        using var noGrad = Autograd.NoGrad();
        var (z, _) = Bijector.Forward(Variable.Constant(x));

        // An empty chain hands back its input; the caller owns the result, so never return the argument itself.
        return [ReferenceEquals(z.Value, x) ? x.Clone() : z.Value];
    }

    /// <summary>Exact decoding of the single latent to x; the caller owns the result (never the argument itself).</summary>
    /// <exception cref="ArgumentException"><paramref name="latents"/> does not hold exactly one tensor.</exception>
    public override Tensor Decode(IReadOnlyList<Tensor> latents)
    {
        ArgumentNullException.ThrowIfNull(latents);
        if (latents.Count != 1)
        {
            throw new ArgumentException($"{nameof(SingleScaleFlow)} has one latent, got {latents.Count}.", nameof(latents));
        }

        using var noGrad = Autograd.NoGrad();
        var (x, _) = Bijector.Inverse(Variable.Constant(latents[0]));
        return ReferenceEquals(x.Value, latents[0]) ? x.Value.Clone() : x.Value;
    }

    /// <inheritdoc/>
    public override Tensor Sample(int n, float temperature, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        return Decode([Prior.Sample(n, temperature, rng)]);
    }

    private void CheckData(int[] shape)
    {
        if (shape.Length != _dataShape.Length + 1 || !Tensor.SameShape(shape.AsSpan(1), _dataShape))
        {
            throw new ArgumentException($"The model's data are {Tensor.FormatShape(_dataShape)} per sample; got a batch {Tensor.FormatShape(shape)}.");
        }
    }
}
