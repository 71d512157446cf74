using Flows.Autodiff;

namespace Flows.Optim;

/// <summary>
/// Adamax (Kingma and Ba, 2015, section 7.1; Glow's default optimizer): m ← β₁m + (1−β₁)g,
/// u ← max(β₂u, |g|), θ ← θ − (lr/(1−β₁ᵗ))·m/(u + ε). ε is added to u in the denominator, as in
/// Glow's <c>optim.adamax</c>. Weight decay λ is an L2 penalty added to the gradient (g ← g + λθ).
/// State: "adamax.m.&lt;name&gt;", "adamax.u.&lt;name&gt;", "adamax.step".
/// </summary>
public sealed class Adamax : Optimizer
{
    private readonly Tensor[] _m;
    private readonly Tensor[] _u;
    private float _stepSize;

    /// <summary>Adamax over <paramref name="parameters"/>, with zero state.</summary>
    /// <param name="parameters">Named parameters, usually <c>Module.NamedParameters()</c>; names must be unique.</param>
    /// <param name="learningRate">The initial step size lr.</param>
    /// <param name="beta1">Decay β₁ of the first moment, in [0, 1).</param>
    /// <param name="beta2">Decay β₂ of the infinity norm u, in [0, 1).</param>
    /// <param name="eps">ε added to u in the denominator; non-negative.</param>
    /// <param name="weightDecay">L2 weight decay λ; non-negative.</param>
    /// <exception cref="ArgumentOutOfRangeException">A beta outside [0, 1), or a negative ε or λ.</exception>
    public Adamax(IEnumerable<(string Name, Variable Value)> parameters, double learningRate = 2e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weightDecay = 0)
        : base(parameters, learningRate, "adamax")
    {
        Adam.CheckBeta(beta1, nameof(beta1));
        Adam.CheckBeta(beta2, nameof(beta2));
        ArgumentOutOfRangeException.ThrowIfNegative(eps);
        ArgumentOutOfRangeException.ThrowIfNegative(weightDecay);
        Beta1 = beta1;
        Beta2 = beta2;
        Eps = eps;
        WeightDecay = weightDecay;
        _m = CreateSlot("m");
        _u = CreateSlot("u");
    }

    /// <summary>Decay β₁ of the first moment m.</summary>
    public double Beta1 { get; }

    /// <summary>Decay β₂ of the infinity norm u.</summary>
    public double Beta2 { get; }

    /// <summary>ε, added to u in the denominator.</summary>
    public double Eps { get; }

    /// <summary>L2 weight decay λ, added to the gradient as λθ (0 for none).</summary>
    public double WeightDecay { get; }

    /// <inheritdoc/>
    protected override void BeginStep(long stepNumber) => _stepSize = (float)(LearningRate / (1 - Math.Pow(Beta1, stepNumber)));

    /// <inheritdoc/>
    protected override void Update(int index, Span<float> value, ReadOnlySpan<float> grad)
    {
        var m = _m[index].Span;
        var u = _u[index].Span;
        float b1 = (float)Beta1, b2 = (float)Beta2, c1 = (float)(1 - Beta1);
        float eps = (float)Eps, stepSize = _stepSize * RateScale(index), l2 = (float)WeightDecay;
        for (int i = 0; i < value.Length; i++)
        {
            float g = grad[i] + (l2 * value[i]);
            float mi = (b1 * m[i]) + (c1 * g);
            float ui = MathF.Max(b2 * u[i], MathF.Abs(g));
            m[i] = mi;
            u[i] = ui;
            value[i] -= stepSize * mi / (ui + eps);
        }
    }
}
