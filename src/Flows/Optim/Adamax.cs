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

    public double Beta1 { get; }

    public double Beta2 { get; }

    public double Eps { get; }

    public double WeightDecay { get; }

    protected override void BeginStep(long stepNumber) => _stepSize = (float)(LearningRate / (1 - Math.Pow(Beta1, stepNumber)));

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
