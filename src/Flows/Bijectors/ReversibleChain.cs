using Flows.Autodiff;

namespace Flows.Bijectors;

/// <summary>
/// A <see cref="Chain"/> whose training graph stores no activation of its steps: Forward goes through
/// <see cref="ReversibleBackprop"/>, which rebuilds each step's input with the inverse during backward
/// and recomputes the step locally (RevNet-style; Gomez et al. 2017, Kingma and Dhariwal 2018 §3).
/// Same map, log-det and gradients as <see cref="Chain"/>; memory constant in the number of steps, about
/// about one extra forward per step of compute (see <see cref="ReversibleBackprop"/>). Children are named "0", "1", … as in Chain.
/// </summary>
public sealed class ReversibleChain : Bijector
{
    private readonly Bijector[] _steps;

    /// <summary>The composition of <paramref name="steps"/> in forward order (the array is copied).</summary>
    public ReversibleChain(params Bijector[] steps)
    {
        ArgumentNullException.ThrowIfNull(steps);
        _steps = (Bijector[])steps.Clone();
        for (int i = 0; i < _steps.Length; i++)
        {
            AddModule(i.ToString(System.Globalization.CultureInfo.InvariantCulture), _steps[i]);
        }
    }

    /// <summary>The bijectors in forward order.</summary>
    public IReadOnlyList<Bijector> Steps => _steps;

    /// <inheritdoc/>
    public override (Variable Z, Variable LogDet) Forward(Variable x) => ReversibleBackprop.Forward(_steps, x);

    /// <inheritdoc/>
    public override (Variable X, Variable LogDet) Inverse(Variable z)
    {
        ArgumentNullException.ThrowIfNull(z);
        Variable x = z;
        Variable? logDet = null;
        for (int i = _steps.Length - 1; i >= 0; i--)
        {
            var (prev, ld) = _steps[i].Inverse(x);
            x = prev;
            logDet = logDet is null ? ld : Ops.Add(logDet, ld);
        }

        return (x, logDet ?? Variable.Constant(Tensor.Zeros(z.Shape[0])));
    }
}
