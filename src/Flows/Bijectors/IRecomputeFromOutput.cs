using Flows.Autodiff;

namespace Flows.Bijectors;

/// <summary>
/// A bijector that can rebuild its input from its output and record its forward pass in one go, sharing
/// the work the two have in common (a coupling evaluates its network once instead of once for the inverse
/// and once for the recomputed forward). Used by <see cref="ReversibleBackprop"/>.
/// </summary>
internal interface IRecomputeFromOutput
{
    /// <summary>False when this instance cannot (a coupling whose split is a mask, not a partition).</summary>
    public bool CanRecomputeFromOutput { get; }

    /// <summary>
    /// x = f⁻¹(<paramref name="z"/>) as a new leaf (requiring a gradient when <paramref name="inputRequiresGrad"/>),
    /// and Forward(leaf) recorded from it: the same graph and values as calling Forward on that leaf.
    /// The leaf's value is a new tensor owned by the caller; <paramref name="z"/> is not kept.
    /// </summary>
    public (Variable Input, Variable Z, Variable LogDet) RecomputeFromOutput(Tensor z, bool inputRequiresGrad);
}
