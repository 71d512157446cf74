using Flows.Autodiff;
using Flows.NN;

namespace Flows.Distributions;

/// <summary>A density over events of a fixed shape (a batch axis in front), possibly with learned parameters.</summary>
public abstract class Distribution : Module
{
    /// <summary>Shape of one event, without the batch axis.</summary>
    public abstract int[] EventShape { get; }

    /// <summary>log p(z) per sample, [N], in nats.</summary>
    public abstract Variable LogProb(Variable z);

    /// <summary>n samples; <paramref name="temperature"/> scales the standard deviation (1 = the distribution itself).</summary>
    public abstract Tensor Sample(int n, float temperature, Rng rng);

    /// <summary>Checks that <paramref name="z"/> is a batch of events: [N, ..<see cref="EventShape"/>].</summary>
    /// <exception cref="ArgumentException">The shape of <paramref name="z"/> is not [N] followed by the event shape.</exception>
    protected void CheckEvent(Variable z)
    {
        ArgumentNullException.ThrowIfNull(z);
        var e = EventShape;
        bool ok = z.Shape.Length == e.Length + 1;
        for (int i = 0; ok && i < e.Length; i++)
        {
            ok = z.Shape[i + 1] == e[i];
        }

        if (!ok)
        {
            throw new ArgumentException($"{GetType().Name} over events {Tensor.FormatShape(e)} got a batch of shape {Tensor.FormatShape(z.Shape)}.", nameof(z));
        }
    }

    /// <summary>The shape of <paramref name="n"/> events: [n, ..<see cref="EventShape"/>].</summary>
    protected int[] BatchShape(int n)
    {
        var e = EventShape;
        var shape = new int[e.Length + 1];
        shape[0] = n;
        e.CopyTo(shape, 1);
        return shape;
    }
}
