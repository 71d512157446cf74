using Flows.Autodiff;

namespace Flows.Bijectors;

/// <summary>
/// Which part of a coupling's input conditions the network (kept: it passes through unchanged) and which part
/// the element-wise transform changes. A partition (<see cref="ChannelHalves"/>, <see cref="ParityColumns"/>) cuts
/// the input into two tensors; a mask (<see cref="BinaryMask"/>) keeps the input's shape and says per position
/// which values change.
/// </summary>
public abstract class CouplingSplit
{
    /// <summary>What the network sees: the kept part (a partition) or the input with the transformed positions zeroed (a mask).</summary>
    public abstract Variable Kept(Variable x);

    /// <summary>What the transform changes: the transformed part (a partition) or the whole input (a mask).</summary>
    public abstract Variable Transformed(Variable x);

    /// <summary>
    /// The coupling's output from its input <paramref name="x"/>, the kept part and <paramref name="y"/>: for a
    /// partition, the transform's new values of the transformed part; for a mask, the transform's change
    /// g(x) − x over the whole input (computed by <see cref="CouplingTransform.ForwardChange"/>, so that it keeps
    /// its precision where g is close to the identity), applied where the mask transforms.
    /// </summary>
    public abstract Variable Join(Variable x, Variable kept, Variable y);

    /// <summary>Σ of the transform's per-element log-scales over the transformed positions, per sample.</summary>
    public abstract Variable SumTransformed(Variable logScale);

    /// <summary>True when <see cref="Kept"/> and <see cref="Transformed"/> are disjoint parts (so the input can be rebuilt from the output part by part).</summary>
    public abstract bool IsPartition { get; }

    /// <summary>Writes the values of a transformed part into those positions of a whole input <paramref name="x"/> (partitions only).</summary>
    public virtual void WriteTransformed(Tensor x, Tensor transformed)
        => throw new NotSupportedException($"{GetType().Name} is not a partition.");

    /// <summary>Throws naming the expected shape when <paramref name="x"/> does not fit.</summary>
    public abstract void Check(Variable x, string parameterName);
}
