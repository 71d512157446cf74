using Flows.Autodiff;

namespace Flows.Bijectors;

/// <summary>
/// Batch normalisation as a bijector (Dinh et al. 2017, "Real NVP", section 3.7), per feature of [N, D]
/// or per channel of [N, C, H, W]:
/// forward z = (x − μ) / √(σ² + ε) ⊙ exp(logγ) + β; inverse x = (z − β) ⊙ exp(−logγ) ⊙ √(σ² + ε) + μ;
/// logDet = P · Σ_c (logγ_c − ½ log(σ²_c + ε)) with P the number of positions per channel (H·W, or 1).
/// In training mode Forward uses the batch's μ, σ² (biased) — gradients flow through them — and updates
/// the running averages; in evaluation mode, and in Inverse always, the running averages are used.
/// Parameters "logGamma", "beta"; buffers "runningMean", "runningVar".
/// </summary>
public sealed class BatchNormBijector : Bijector
{
    private readonly int[] _statShape;
    private readonly int[] _reduceAxes;
    private readonly int _positions;

    /// <param name="eventShape">[D] for vectors, [C, H, W] for images.</param>
    /// <param name="momentum">running ← (1 − momentum)·running + momentum·batch.</param>
    /// <param name="epsilon">ε added to the variance.</param>
    public BatchNormBijector(int[] eventShape, float momentum = 0.1f, float epsilon = 1e-5f)
    {
        ArgumentNullException.ThrowIfNull(eventShape);
        if (eventShape.Length is not (1 or 3))
        {
            throw new ArgumentException($"{nameof(BatchNormBijector)} works on [D] or [C, H, W] events, got {Tensor.FormatShape(eventShape)}.", nameof(eventShape));
        }

        EventShape = (int[])eventShape.Clone();
        Features = eventShape[0];
        _positions = 1;
        _statShape = new int[eventShape.Length + 1];
        _statShape[0] = 1;
        _statShape[1] = Features;
        for (int i = 1; i < eventShape.Length; i++)
        {
            _statShape[i + 1] = 1;
            _positions *= eventShape[i];
        }

        _reduceAxes = eventShape.Length == 1 ? [0] : [0, 2, 3];
        Momentum = momentum;
        Epsilon = epsilon;
        LogGamma = AddParameter("logGamma", Tensor.Zeros(_statShape));
        Beta = AddParameter("beta", Tensor.Zeros(_statShape));
        RunningMean = AddBuffer("runningMean", Tensor.Zeros(_statShape));
        RunningVar = AddBuffer("runningVar", Tensor.Full(1f, _statShape));
    }

    /// <summary>Shape of one event: [D] for vectors, [C, H, W] for images.</summary>
    public int[] EventShape { get; }

    /// <summary>Number of normalised features or channels (the first event axis).</summary>
    public int Features { get; }

    /// <summary>Weight of the batch statistics in the running averages.</summary>
    public float Momentum { get; }

    /// <summary>ε, added to the variance.</summary>
    public float Epsilon { get; }

    /// <summary>The log-scale logγ "logGamma", shape [1, C] or [1, C, 1, 1], initially 0.</summary>
    public Variable LogGamma { get; }

    /// <summary>The shift β "beta", shape [1, C] or [1, C, 1, 1], initially 0.</summary>
    public Variable Beta { get; }

    /// <summary>Running mean, shape [1, C] or [1, C, 1, 1].</summary>
    public Tensor RunningMean { get; }

    /// <summary>Running (biased) variance, shape [1, C] or [1, C, 1, 1].</summary>
    public Tensor RunningVar { get; }

    /// <inheritdoc/>
    public override (Variable Z, Variable LogDet) Forward(Variable x)
    {
        CheckShape(x);
        Variable mean, variance;
        if (Training)
        {
            mean = Ops.Mean(x, _reduceAxes, keepDims: true);
            variance = Ops.Mean(Ops.Square(Ops.Sub(x, mean)), _reduceAxes, keepDims: true);
            UpdateRunning(mean.Value, variance.Value);
        }
        else
        {
            mean = Variable.Constant(RunningMean);
            variance = Variable.Constant(RunningVar);
        }

        var logStd = Ops.Scale(Ops.Log(Ops.AddScalar(variance, Epsilon)), 0.5f);
        var logScale = Ops.Sub(LogGamma, logStd);
        var z = Ops.Add(Ops.Mul(Ops.Sub(x, mean), Ops.Exp(logScale)), Beta);
        var logDet = Ops.Scale(Ops.Sum(logScale), _positions);
        return (z, VectorColumns.PerSample(logDet, x.Shape[0]));
    }

    /// <inheritdoc/>
    public override (Variable X, Variable LogDet) Inverse(Variable z)
    {
        CheckShape(z);
        var logStd = Ops.Scale(Ops.Log(Ops.AddScalar(Variable.Constant(RunningVar), Epsilon)), 0.5f);
        var logScale = Ops.Sub(LogGamma, logStd);
        var x = Ops.Add(Ops.Mul(Ops.Sub(z, Beta), Ops.Exp(Ops.Neg(logScale))), Variable.Constant(RunningMean));
        var logDet = Ops.Scale(Ops.Sum(logScale), -_positions);
        return (x, VectorColumns.PerSample(logDet, z.Shape[0]));
    }

    private void UpdateRunning(Tensor mean, Tensor variance)
    {
        var rm = RunningMean.Span;
        var rv = RunningVar.Span;
        var m = mean.Span;
        var v = variance.Span;
        for (int c = 0; c < rm.Length; c++)
        {
            rm[c] = ((1f - Momentum) * rm[c]) + (Momentum * m[c]);
            rv[c] = ((1f - Momentum) * rv[c]) + (Momentum * v[c]);
        }
    }

    private void CheckShape(Variable x)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Shape.Length != EventShape.Length + 1 || !Tensor.SameShape(x.Shape.AsSpan(1), EventShape))
        {
            throw new ArgumentException($"{nameof(BatchNormBijector)} over events {Tensor.FormatShape(EventShape)} got {Tensor.FormatShape(x.Shape)}.", nameof(x));
        }
    }
}
