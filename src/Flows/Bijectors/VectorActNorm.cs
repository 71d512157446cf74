using Flows.Autodiff;

namespace Flows.Bijectors;

/// <summary>
/// Glow's activation normalisation for vectors [N, D] (Kingma &amp; Dhariwal 2018, section 3.1):
/// forward z = x ⊙ exp(s) + b; inverse x = (z − b) ⊙ exp(−s); logDet = Σ s. On the first forward in
/// training mode s and b are set from that batch so z has zero mean and unit variance per feature
/// (data-dependent initialisation). Parameters "logScale", "bias"; buffer "initialized" (0 or 1).
/// </summary>
public sealed class VectorActNorm : Bijector
{
    private readonly Tensor _initialized;

    public VectorActNorm(int dimensions)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimensions, 1);
        Dimensions = dimensions;
        LogScale = AddParameter("logScale", Tensor.Zeros(dimensions));
        Bias = AddParameter("bias", Tensor.Zeros(dimensions));
        _initialized = AddBuffer("initialized", Tensor.Zeros(1));
    }

    public int Dimensions { get; }

    public Variable LogScale { get; }

    public Variable Bias { get; }

    /// <summary>False until the data-dependent initialisation has run (or the flag is set by loading a checkpoint).</summary>
    public bool IsInitialized
    {
        get => _initialized.Span[0] != 0f;
        set => _initialized.Span[0] = value ? 1f : 0f;
    }

    public override (Variable Z, Variable LogDet) Forward(Variable x)
    {
        VectorColumns.CheckVectorInput(x, Dimensions, nameof(VectorActNorm));
        if (Training && !IsInitialized)
        {
            InitializeFrom(x.Value);
        }

        var z = Ops.Add(Ops.Mul(x, Ops.Exp(LogScale)), Bias);
        return (z, VectorColumns.PerSample(Ops.Sum(LogScale), x.Shape[0]));
    }

    public override (Variable X, Variable LogDet) Inverse(Variable z)
    {
        VectorColumns.CheckVectorInput(z, Dimensions, nameof(VectorActNorm));
        var x = Ops.Mul(Ops.Sub(z, Bias), Ops.Exp(Ops.Neg(LogScale)));
        return (x, VectorColumns.PerSample(Ops.Neg(Ops.Sum(LogScale)), z.Shape[0]));
    }

    private void InitializeFrom(Tensor x)
    {
        int n = x.Shape[0], d = Dimensions;
        var xs = x.Span;
        var logScale = LogScale.Value.Span;
        var bias = Bias.Value.Span;
        for (int j = 0; j < d; j++)
        {
            double sum = 0, sumSq = 0;
            for (int s = 0; s < n; s++)
            {
                double v = xs[(s * d) + j];
                sum += v;
                sumSq += v * v;
            }

            double mean = sum / n;
            double variance = Math.Max((sumSq / n) - (mean * mean), 0);
            double ls = -Math.Log(Math.Sqrt(variance) + 1e-6);
            logScale[j] = (float)ls;
            bias[j] = (float)(-mean * Math.Exp(ls));
        }

        IsInitialized = true;
    }
}
