using Flows.Autodiff;
using Flows.NN;

namespace Flows.Models;

/// <summary>
/// A normalizing flow: an invertible map from data to latents plus the density of the latents.
/// log p(x) = log p_z(f(x)) + log|det ∂f/∂x|. Multi-scale models return one latent per level.
/// </summary>
public abstract class FlowModel : Module
{
    /// <summary>Shape of one data point, without the batch axis (e.g. [1, 28, 28] or [2]).</summary>
    public abstract int[] DataShape { get; }

    /// <summary>
    /// Gives a batch [N, …] the model's example shape when only the layout differs (e.g. flattened images):
    /// the batch itself when it has the shape already, otherwise a reshaped tensor (the batch is released).
    /// </summary>
    public Tensor ToModelShape(Tensor batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        int[] shape = [batch.Shape[0], .. DataShape];
        if (Tensor.SameShape(batch.Shape, shape))
        {
            return batch;
        }

        var r = batch.Reshape(shape);
        batch.Release();
        return r;
    }

    /// <summary>Number of dimensions D of one data point.</summary>
    public int Dimensions
    {
        get
        {
            int d = 1;
            foreach (int e in DataShape)
            {
                d *= e;
            }

            return d;
        }
    }

    /// <summary>log p(x) per sample, [N], in nats, as a graph node (differentiable when recording). For a class-conditional model, the marginal over its classes (uniform).</summary>
    public abstract Variable LogProb(Variable x);

    /// <summary>Classes of a class-conditional model (whose prior takes one-hot labels); 0 for an unconditional one.</summary>
    public virtual int Classes => 0;

    /// <summary>log p(x | y) per sample, [N], in nats, given a condition y (one-hot labels [N, <see cref="Classes"/>]); null: <see cref="LogProb(Variable)"/>.</summary>
    /// <exception cref="NotSupportedException">A condition given to an unconditional model.</exception>
    public virtual Variable LogProb(Variable x, Variable? condition)
        => condition is null ? LogProb(x) : throw new NotSupportedException($"This {GetType().Name} is not class-conditional.");

    /// <summary>n samples given a condition (one-hot labels [n, <see cref="Classes"/>]); null: <see cref="Sample(int, float, Rng)"/>.</summary>
    /// <exception cref="NotSupportedException">A condition given to an unconditional model.</exception>
    public virtual Tensor Sample(int n, float temperature, Rng rng, Variable? condition)
        => condition is null ? Sample(n, temperature, rng) : throw new NotSupportedException($"This {GetType().Name} is not class-conditional.");

    /// <summary>Exact encoding x → latents (one tensor per level, first factored out first).</summary>
    public abstract IReadOnlyList<Tensor> Encode(Tensor x);

    /// <summary>Exact decoding latents → x; the inverse of <see cref="Encode"/>.</summary>
    public abstract Tensor Decode(IReadOnlyList<Tensor> latents);

    /// <summary>
    /// n samples x = f⁻¹(z) with z drawn from the prior at <paramref name="temperature"/>, which scales
    /// the standard deviation of every level's prior.
    /// </summary>
    public abstract Tensor Sample(int n, float temperature, Rng rng);

    /// <summary>
    /// Whether training graphs keep no step activations and rebuild them with the inverses during backward
    /// (memory-efficient back-propagation). Models that cannot do so report false and refuse true.
    /// </summary>
    /// <exception cref="NotSupportedException">Set to true on a model without memory-efficient back-propagation.</exception>
    public virtual bool MemoryEfficientBackprop
    {
        get => false;
        set
        {
            if (value)
            {
                throw new NotSupportedException($"{GetType().Name} has no memory-efficient back-propagation.");
            }
        }
    }

    /// <summary>The reconstruction error of memory-efficient backward passes (null for models without them).</summary>
    public virtual Bijectors.ReconstructionMonitor? Reconstruction => null;
}
