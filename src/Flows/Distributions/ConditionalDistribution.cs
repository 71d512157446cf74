using Flows.Autodiff;
using Flows.NN;

namespace Flows.Distributions;

/// <summary>
/// A density over z given a context: the kept half of a multi-scale split (Glow's learned split prior),
/// a one-hot class label (Glow's class-conditional top prior), or nothing at all
/// (<see cref="Unconditional"/>). Batched: z [N, ...], context [N, ...] or null.
/// </summary>
public abstract class ConditionalDistribution : Module
{
    /// <summary>log p(z | context) per sample, [N], in nats.</summary>
    public abstract Variable LogProb(Variable z, Variable? context);

    /// <summary>
    /// n samples given the context (whose batch must be n when given); <paramref name="temperature"/>
    /// scales the standard deviation.
    /// </summary>
    public abstract Tensor Sample(int n, Variable? context, float temperature, Rng rng);

    /// <summary>Wraps a context-free distribution; the context is ignored. Its parameters are registered as "base.*".</summary>
    public static ConditionalDistribution Unconditional(Distribution distribution) => new UnconditionalDistribution(distribution);

    private sealed class UnconditionalDistribution : ConditionalDistribution
    {
        private readonly Distribution _base;

        public UnconditionalDistribution(Distribution distribution)
        {
            ArgumentNullException.ThrowIfNull(distribution);
            _base = AddModule("base", distribution);
        }

        public override Variable LogProb(Variable z, Variable? context) => _base.LogProb(z);

        public override Tensor Sample(int n, Variable? context, float temperature, Rng rng) => _base.Sample(n, temperature, rng);
    }
}
