using Flows.Autodiff;

namespace Flows.Bijectors;

/// <summary>NICE's additive map (Dinh et al. 2015, eq. 5): y = x + t, x = y − t, log-det 0; t is the network's output.</summary>
public sealed class AdditiveTransform : CouplingTransform
{
    /// <summary>1: the network outputs the shift t only.</summary>
    public override int OutputsPerElement => 1;

    /// <summary>The shift t = h itself and no log-scale (volume preserving).</summary>
    public override (Variable Shift, Variable? LogScale) Parameters(Variable h) => (h, null);

    /// <summary>y = x + t; <paramref name="logScale"/> is ignored.</summary>
    public override Variable Forward(Variable x, Variable shift, Variable? logScale) => Ops.Add(x, shift);

    /// <summary>x = y − t; <paramref name="logScale"/> is ignored.</summary>
    public override Variable Inverse(Variable y, Variable shift, Variable? logScale) => Ops.Sub(y, shift);
}
