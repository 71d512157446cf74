using Flows.Autodiff;

namespace Flows.Optim;

/// <summary>
/// Adam (Kingma and Ba, 2015): m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g²,
/// θ ← θ − lr·(m/(1−β₁ᵗ)) / (√(v/(1−β₂ᵗ)) + ε), as in PyTorch's <c>torch.optim.Adam</c>.
/// Weight decay λ is either L2 (the default: g ← g + λθ before the moments, like <c>torch.optim.Adam</c>)
/// or decoupled (AdamW, Loshchilov and Hutter: θ ← θ − lr·λ·θ before the Adam step, like <c>torch.optim.AdamW</c>).
/// State: "adam.m.&lt;name&gt;", "adam.v.&lt;name&gt;", "adam.step".
/// </summary>
public sealed class Adam : Optimizer
{
    private readonly Tensor[] _m;
    private readonly Tensor[] _v;
    private float _stepSize;
    private float _invCorrection2;

    /// <summary>Adam over <paramref name="parameters"/>, with zero moments.</summary>
    /// <param name="parameters">Named parameters, usually <c>Module.NamedParameters()</c>; names must be unique.</param>
    /// <param name="learningRate">The initial step size lr.</param>
    /// <param name="beta1">Decay β₁ of the first moment, in [0, 1).</param>
    /// <param name="beta2">Decay β₂ of the second moment, in [0, 1).</param>
    /// <param name="eps">ε added to the denominator; non-negative.</param>
    /// <param name="weightDecay">Weight decay λ; non-negative.</param>
    /// <param name="decoupledWeightDecay">True for AdamW-style decoupled decay, false for an L2 penalty on the gradient.</param>
    /// <exception cref="ArgumentOutOfRangeException">A beta outside [0, 1), or a negative ε or λ.</exception>
    public Adam(IEnumerable<(string Name, Variable Value)> parameters, double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weightDecay = 0, bool decoupledWeightDecay = false)
        : base(parameters, learningRate, "adam")
    {
        CheckBeta(beta1, nameof(beta1));
        CheckBeta(beta2, nameof(beta2));
        ArgumentOutOfRangeException.ThrowIfNegative(eps);
        ArgumentOutOfRangeException.ThrowIfNegative(weightDecay);
        Beta1 = beta1;
        Beta2 = beta2;
        Eps = eps;
        WeightDecay = weightDecay;
        DecoupledWeightDecay = decoupledWeightDecay;
        _m = CreateSlot("m");
        _v = CreateSlot("v");
    }

    /// <summary>Decay β₁ of the first moment m.</summary>
    public double Beta1 { get; }

    /// <summary>Decay β₂ of the second moment v.</summary>
    public double Beta2 { get; }

    /// <summary>ε, added to √v̂ in the denominator.</summary>
    public double Eps { get; }

    /// <summary>Weight decay λ (0 for none); see <see cref="DecoupledWeightDecay"/>.</summary>
    public double WeightDecay { get; }

    /// <summary>True: AdamW-style decoupled decay; false: L2 penalty added to the gradient.</summary>
    public bool DecoupledWeightDecay { get; }

    internal static void CheckBeta(double beta, string name)
    {
        if (!(beta >= 0 && beta < 1))
        {
            throw new ArgumentOutOfRangeException(name, beta, "Beta must be in [0, 1).");
        }
    }

    /// <inheritdoc/>
    protected override void BeginStep(long stepNumber)
    {
        // Bias corrections in double, rounded once per step.
        _stepSize = (float)(LearningRate / (1 - Math.Pow(Beta1, stepNumber)));
        _invCorrection2 = (float)(1 / (1 - Math.Pow(Beta2, stepNumber)));
    }

    /// <inheritdoc/>
    protected override void Update(int index, Span<float> value, ReadOnlySpan<float> grad)
    {
        var m = _m[index].Span;
        var v = _v[index].Span;
        float b1 = (float)Beta1, b2 = (float)Beta2, c1 = (float)(1 - Beta1), c2 = (float)(1 - Beta2);
        float eps = (float)Eps, stepSize = _stepSize * RateScale(index), invC2 = _invCorrection2;
        float l2 = DecoupledWeightDecay ? 0f : (float)WeightDecay;
        float decay = DecoupledWeightDecay ? (float)(1 - (LearningRate * WeightDecay)) : 1f;
        for (int i = 0; i < value.Length; i++)
        {
            float g = grad[i] + (l2 * value[i]);
            float mi = (b1 * m[i]) + (c1 * g);
            float vi = (b2 * v[i]) + (c2 * g * g);
            m[i] = mi;
            v[i] = vi;
            value[i] = (decay * value[i]) - (stepSize * mi / (MathF.Sqrt(vi * invC2) + eps));
        }
    }
}
