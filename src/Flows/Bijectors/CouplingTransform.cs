using Flows.Autodiff;
using Flows.NN;

namespace Flows.Bijectors;

/// <summary>
/// The element-wise map of a coupling, y = g(x; θ) with θ from the conditioner network's output h. Its own
/// parameters (if any) sit directly under the coupling's name. A new kind of coupling (a spline, say) is a new
/// transform; the coupling, its splits and its memory-efficient back-propagation stay as they are.
/// </summary>
public abstract class CouplingTransform : Module
{
    /// <summary>Network outputs per transformed element (1 for a shift, 2 for a shift and a scale).</summary>
    public abstract int OutputsPerElement { get; }

    /// <summary>θ from the network's output: the shift, and the per-element log-scale (null: volume preserving).</summary>
    public abstract (Variable Shift, Variable? LogScale) Parameters(Variable h);

    /// <summary>y = g(x; θ).</summary>
    public abstract Variable Forward(Variable x, Variable shift, Variable? logScale);

    /// <summary>x = g⁻¹(y; θ).</summary>
    public abstract Variable Inverse(Variable y, Variable shift, Variable? logScale);

    /// <summary>g(x; θ) − x, for masked couplings; override where a direct form is more precise than the difference.</summary>
    public virtual Variable ForwardChange(Variable x, Variable shift, Variable? logScale) => Ops.Sub(Forward(x, shift, logScale), x);

    /// <summary>g⁻¹(y; θ) − y, for masked couplings.</summary>
    public virtual Variable InverseChange(Variable y, Variable shift, Variable? logScale) => Ops.Sub(Inverse(y, shift, logScale), y);

    /// <summary>
    /// The inverse on the transformed part straight from the network's output h: by default
    /// <see cref="Inverse"/> with <see cref="Parameters"/>(h); returns x and the log-scale (null when additive).
    /// A transform may override it with one op that computes both faster where nothing is differentiated.
    /// </summary>
    public virtual (Variable X, Variable? LogScale) InverseFromNetwork(Variable y, Variable h)
    {
        var (shift, logScale) = Parameters(h);
        return (Inverse(y, shift, logScale), logScale);
    }
}
