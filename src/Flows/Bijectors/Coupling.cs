using Flows.Autodiff;
using Flows.NN;

namespace Flows.Bijectors;

/// <summary>
/// A coupling layer (NICE, Dinh et al. 2015; RealNVP, Dinh et al. 2017; Glow, Kingma and Dhariwal 2018): a
/// <see cref="CouplingSplit"/> keeps part of x, a <see cref="Network"/> conditions on that part, and an
/// element-wise <see cref="CouplingTransform"/> changes the rest with the network's output:
/// forward z = Join(x, x_kept, g(x_transformed; θ(NN(x_kept)))); inverse x = Join(z, z_kept, g⁻¹(z_transformed; θ(NN(z_kept))))
/// (the kept part is the same on both sides); log-det = Σ over the transformed positions of g's log-scale
/// (0 for an additive g). <see cref="Couplings"/> builds the couplings of the three papers.
/// </summary>
public sealed class Coupling : Bijector, IRecomputeFromOutput
{
    /// <param name="split">Which part is kept and which transformed.</param>
    /// <param name="network">The conditioner: kept part → the transform's parameters.</param>
    /// <param name="transform">The element-wise map.</param>
    /// <param name="networkName">The network's name in parameter paths; null puts its layers directly under the coupling (Glow's "conv1", …, "zeroconv").</param>
    public Coupling(CouplingSplit split, Network network, CouplingTransform transform, string? networkName = "net")
    {
        ArgumentNullException.ThrowIfNull(split);
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(transform);
        Split = split;
        // The transform's parameters first, then the network's: the order checkpoints and optimizers have always seen.
        Transform = AddInlineModule(transform);
        Network = networkName is null ? AddInlineModule(network) : AddModule(networkName, network);
    }

    /// <summary>Which part of the input is kept and which transformed.</summary>
    public CouplingSplit Split { get; }

    /// <summary>The conditioner: kept part → the transform's parameters.</summary>
    public Network Network { get; }

    /// <summary>The element-wise map of the transformed part.</summary>
    public CouplingTransform Transform { get; }

    /// <inheritdoc/>
    public override (Variable Z, Variable LogDet) Forward(Variable x)
    {
        Split.Check(x, nameof(x));
        var kept = Split.Kept(x);
        var (shift, logScale) = Transform.Parameters(Network.Forward(kept));
        var transformed = Split.Transformed(x);
        var y = Split.IsPartition ? Transform.Forward(transformed, shift, logScale) : Transform.ForwardChange(transformed, shift, logScale);
        return (Split.Join(x, kept, y), LogDet(logScale, x.Shape[0]));
    }

    /// <inheritdoc/>
    public override (Variable X, Variable LogDet) Inverse(Variable z)
    {
        Split.Check(z, nameof(z));
        var kept = Split.Kept(z);
        var h = Network.Forward(kept);
        var transformed = Split.Transformed(z);
        Variable y;
        Variable? logScale;
        if (Split.IsPartition)
        {
            (y, logScale) = Transform.InverseFromNetwork(transformed, h);
        }
        else
        {
            (var shift, logScale) = Transform.Parameters(h);
            y = Transform.InverseChange(transformed, shift, logScale);
        }

        var logDet = LogDet(logScale, z.Shape[0]);
        return (Split.Join(z, kept, y), logScale is null ? logDet : Ops.Neg(logDet));
    }

    private Variable LogDet(Variable? logScale, int n)
        => logScale is null ? Variable.Constant(Tensor.Zeros(n)) : Split.SumTransformed(logScale);

    bool IRecomputeFromOutput.CanRecomputeFromOutput => Split.IsPartition;

    (Variable Input, Variable Z, Variable LogDet) IRecomputeFromOutput.RecomputeFromOutput(Tensor z, bool inputRequiresGrad)
    {
        // The kept part is the same in x and z, so one evaluation of the network serves both the inverse (which
        // rebuilds the transformed part of x) and the recorded forward from the rebuilt x.
        if (!Split.IsPartition)
        {
            throw new NotSupportedException($"A coupling with a {Split.GetType().Name} cannot rebuild its input part by part.");
        }

        ArgumentNullException.ThrowIfNull(z);
        var leaf = new Variable(z.Clone(), inputRequiresGrad);
        Split.Check(leaf, nameof(z));
        var kept = Split.Kept(leaf);
        var (shift, logScale) = Transform.Parameters(Network.Forward(kept));
        using (Autograd.NoGrad())
        {
            // The inverse's own ops on the values: the rebuilt x has the bits Inverse would give.
            var y = Split.Transformed(Variable.Constant(z));
            var x = Transform.Inverse(y, Variable.Constant(shift.Value), logScale is null ? null : Variable.Constant(logScale.Value));
            Split.WriteTransformed(leaf.Value, x.Value);
            x.Value.Release();
            y.Value.Release();
        }

        var recorded = Transform.Forward(Split.Transformed(leaf), shift, logScale);
        return (leaf, Split.Join(leaf, kept, recorded), LogDet(logScale, z.Shape[0]));
    }
}
