using Flows.Autodiff;

namespace Flows.Bijectors;

/// <summary>
/// Composition f = f_n ∘ … ∘ f_1: Forward applies the bijectors in order and sums their log-dets;
/// Inverse applies their inverses in reverse order. Children are named "0", "1", … unless named (Glow's step:
/// "actnorm", "invconv", "coupling").
/// </summary>
public sealed class Chain : Bijector
{
    private readonly Bijector[] _steps;
    private readonly string[] _names;

    /// <summary>The composition of <paramref name="steps"/> in forward order, named "0", "1", … in parameter paths.</summary>
    public Chain(params Bijector[] steps)
        : this(Numbered(steps))
    {
    }

    /// <param name="steps">The bijectors in forward order, each with its name in parameter paths.</param>
    public Chain(IEnumerable<(string Name, Bijector Step)> steps)
    {
        ArgumentNullException.ThrowIfNull(steps);
        var list = steps.ToArray();
        _steps = [.. list.Select(s => s.Step)];
        _names = [.. list.Select(s => s.Name)];
        for (int i = 0; i < _steps.Length; i++)
        {
            ArgumentNullException.ThrowIfNull(_steps[i], nameof(steps));
            AddModule(_names[i], _steps[i]);
        }
    }

    /// <summary>The bijectors in forward order.</summary>
    public IReadOnlyList<Bijector> Steps => _steps;

    /// <summary>The steps' names in parameter paths, in forward order.</summary>
    public IReadOnlyList<string> Names => _names;

    private static IEnumerable<(string, Bijector)> Numbered(Bijector[] steps)
    {
        ArgumentNullException.ThrowIfNull(steps);
        return steps.Select((s, i) => (i.ToString(System.Globalization.CultureInfo.InvariantCulture), s));
    }

    /// <inheritdoc/>
    public override (Variable Z, Variable LogDet) Forward(Variable x)
    {
        ArgumentNullException.ThrowIfNull(x);
        Variable z = x;
        Variable? logDet = null;
        foreach (var step in _steps)
        {
            var (next, ld) = step.Forward(z);
            z = next;
            logDet = logDet is null ? ld : Ops.Add(logDet, ld);
        }

        return (z, logDet ?? Variable.Constant(Tensor.Zeros(x.Shape[0])));
    }

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
