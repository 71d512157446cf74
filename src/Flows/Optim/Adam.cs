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

    public double Beta1 { get; }

    public double Beta2 { get; }

    public double Eps { get; }

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

    protected override void BeginStep(long stepNumber)
    {
        // Bias corrections in double, rounded once per step.
        _stepSize = (float)(LearningRate / (1 - Math.Pow(Beta1, stepNumber)));
        _invCorrection2 = (float)(1 / (1 - Math.Pow(Beta2, stepNumber)));
    }

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
