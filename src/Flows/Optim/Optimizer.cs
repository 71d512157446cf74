using Flows.Autodiff;

namespace Flows.Optim;

/// <summary>
/// Updates named parameters from their gradients. Per-parameter state (moments, velocities) is kept as
/// named tensors so a checkpoint can save it with <see cref="NamedState"/> and a resumed run can restore
/// it with <see cref="LoadState"/> and continue bit for bit.
/// </summary>
public abstract class Optimizer
{
    private readonly (string Name, Variable Value)[] _parameters;
    private readonly List<(string Name, Tensor Value)> _state = [];
    private readonly string _prefix;
    private readonly float[] _rateScales;
    private double _learningRate;

    /// <param name="parameters">Named parameters, usually <c>Module.NamedParameters()</c>; names must be unique.</param>
    /// <param name="learningRate">The initial step size (schedules change it through <see cref="LearningRate"/>).</param>
    /// <param name="statePrefix">The prefix of every state name ("adam", "sgd", ...).</param>
    protected Optimizer(IEnumerable<(string Name, Variable Value)> parameters, double learningRate, string statePrefix)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentException.ThrowIfNullOrWhiteSpace(statePrefix);
        var list = new List<(string Name, Variable Value)>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        var seen = new HashSet<Variable>(ReferenceEqualityComparer.Instance);
        foreach (var (name, value) in parameters)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(name, nameof(parameters));
            ArgumentNullException.ThrowIfNull(value, nameof(parameters));
            if (!names.Add(name))
            {
                throw new ArgumentException($"Parameter name '{name}' appears twice.", nameof(parameters));
            }

            // A shared parameter listed twice would be updated twice per step.
            if (!seen.Add(value))
            {
                throw new ArgumentException($"Parameter '{name}' is the same variable as an earlier one; list shared parameters once.", nameof(parameters));
            }

            list.Add((name, value));
        }

        _parameters = [.. list];
        _rateScales = new float[_parameters.Length];
        Array.Fill(_rateScales, 1f);
        _prefix = statePrefix;
        LearningRate = learningRate;
    }

    /// <summary>The parameters this optimizer updates, in the order given.</summary>
    public IReadOnlyList<(string Name, Variable Value)> Parameters => _parameters;

    /// <summary>The step size of the next <see cref="Step"/>; schedules set it before each step.</summary>
    public double LearningRate
    {
        get => _learningRate;
        set
        {
            if (!double.IsFinite(value) || value < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "Learning rate must be finite and non-negative.");
            }

            _learningRate = value;
        }
    }

    /// <summary>
    /// Multiplies the step size of every parameter whose name satisfies <paramref name="selects"/> by
    /// <paramref name="factor"/> (1 for the others, unless set before). For Adam-like optimizers this equals
    /// reparameterising θ = factor·θ' (Glow's <c>logscale_factor</c>), without changing what is stored.
    /// </summary>
    public void ScaleLearningRate(Func<string, bool> selects, double factor)
    {
        ArgumentNullException.ThrowIfNull(selects);
        if (!double.IsFinite(factor) || factor <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(factor), factor, "The factor must be a positive number.");
        }

        for (int i = 0; i < _parameters.Length; i++)
        {
            if (selects(_parameters[i].Name))
            {
                _rateScales[i] = (float)factor;
            }
        }
    }

    /// <summary>The step-size multiplier of parameter <paramref name="index"/> (see <see cref="ScaleLearningRate"/>).</summary>
    protected float RateScale(int index) => _rateScales[index];

    /// <summary>Number of completed <see cref="Step"/> calls (part of the saved state).</summary>
    public long StepCount { get; private set; }

    /// <summary>
    /// Applies one update to every parameter whose <see cref="Variable.Grad"/> is set; parameters without
    /// a gradient are left untouched (their state too). Gradients are not cleared: call <see cref="ZeroGrad"/>.
    /// </summary>
    public void Step()
    {
        StepCount++;
        BeginStep(StepCount);
        for (int i = 0; i < _parameters.Length; i++)
        {
            var p = _parameters[i].Value;
            var g = p.Grad;
            if (g is null)
            {
                continue;
            }

            Update(i, p.Value.Span, g.Span);
        }
    }

    /// <summary>Drops the gradient of every parameter.</summary>
    public void ZeroGrad()
    {
        foreach (var (_, p) in _parameters)
        {
            p.ZeroGrad();
        }
    }

    /// <summary>
    /// The state to checkpoint: every slot tensor as "prefix.slot.parameterName" (e.g. "adam.m.conv.weight")
    /// and the step count as "prefix.step" (a [2] tensor holding StepCount = high·2²⁴ + low, both exact in float).
    /// The slot tensors are live (not copies): serialise them before the next step.
    /// </summary>
    public IEnumerable<(string Name, Tensor Value)> NamedState()
    {
        foreach (var s in _state)
        {
            yield return s;
        }

        yield return (StepName, Tensor.FromArray([StepCount >> 24, StepCount & 0xFFFFFF], 2));
    }

    /// <summary>Restores what <see cref="NamedState"/> returned; every name must be present with the same shape.</summary>
    public void LoadState(IReadOnlyDictionary<string, Tensor> state)
    {
        ArgumentNullException.ThrowIfNull(state);
        foreach (var (name, value) in _state)
        {
            var source = Lookup(state, name);
            if (!source.SameShape(value))
            {
                throw new ArgumentException($"Optimizer state '{name}' has shape {Tensor.FormatShape(source.Shape)}, expected {Tensor.FormatShape(value.Shape)}.", nameof(state));
            }
        }

        var step = Lookup(state, StepName);
        if (step.Length != 2)
        {
            throw new ArgumentException($"Optimizer state '{StepName}' must have 2 elements, got shape {Tensor.FormatShape(step.Shape)}.", nameof(state));
        }

        foreach (var (name, value) in _state)
        {
            state[name].Span.CopyTo(value.Span);
        }

        StepCount = ((long)step.Span[0] << 24) + (long)step.Span[1];
    }

    /// <summary>Called once per step, after <see cref="StepCount"/> was incremented, before any <see cref="Update"/>.</summary>
    protected virtual void BeginStep(long stepNumber)
    {
    }

    /// <summary>Updates parameter <paramref name="index"/> (its value span) from its gradient.</summary>
    protected abstract void Update(int index, Span<float> value, ReadOnlySpan<float> grad);

    /// <summary>Creates one zero-filled state tensor per parameter, named "prefix.slot.parameterName".</summary>
    protected Tensor[] CreateSlot(string slot)
    {
        var tensors = new Tensor[_parameters.Length];
        for (int i = 0; i < tensors.Length; i++)
        {
            var (name, p) = _parameters[i];
            tensors[i] = Tensor.Zeros(p.Shape);
            _state.Add(($"{_prefix}.{slot}.{name}", tensors[i]));
        }

        return tensors;
    }

    private string StepName => $"{_prefix}.step";

    private static Tensor Lookup(IReadOnlyDictionary<string, Tensor> state, string name)
        => state.TryGetValue(name, out var t) ? t : throw new ArgumentException($"Optimizer state '{name}' is missing.", nameof(state));
}
