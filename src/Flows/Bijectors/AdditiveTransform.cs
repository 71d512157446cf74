using Flows.Autodiff;

namespace Flows.Bijectors;

/// <summary>NICE's additive map (Dinh et al. 2015, eq. 5): y = x + t, x = y − t, log-det 0; t is the network's output.</summary>
public sealed class AdditiveTransform : CouplingTransform
{
    public override int OutputsPerElement => 1;

    public override (Variable Shift, Variable? LogScale) Parameters(Variable h) => (h, null);

    public override Variable Forward(Variable x, Variable shift, Variable? logScale) => Ops.Add(x, shift);

    public override Variable Inverse(Variable y, Variable shift, Variable? logScale) => Ops.Sub(y, shift);
}
