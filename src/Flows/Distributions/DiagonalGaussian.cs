using Flows.Autodiff;

namespace Flows.Distributions;

/// <summary>
/// N(mean, exp(logs)²) with a learned mean and log-std per channel (the first event axis), shared over
/// the remaining axes — Glow's learned top prior ("learn_top"). Zero-initialised, so it starts as N(0, I).
/// log p(z) = −½ Σ ((z − mean)·e^−logs)² − S·Σ_c logs_c − (D/2) ln 2π, S = positions per channel.
/// Parameters: mean [C], logs [C].
/// </summary>
public sealed class DiagonalGaussian : Distribution
{
    private readonly int[] _eventShape;
    private readonly int[] _parameterShape;

    /// <summary>A zero-initialised (N(0, I)) prior over events of <paramref name="eventShape"/>, channels first.</summary>
    /// <exception cref="ArgumentException"><paramref name="eventShape"/> is empty.</exception>
    public DiagonalGaussian(params int[] eventShape)
    {
        ArgumentNullException.ThrowIfNull(eventShape);
        if (eventShape.Length == 0)
        {
            throw new ArgumentException("DiagonalGaussian needs a non-scalar event shape.", nameof(eventShape));
        }

        _eventShape = (int[])eventShape.Clone();
        Dimensions = Tensor.CheckedLength(_eventShape);
        _parameterShape = new int[_eventShape.Length];
        Array.Fill(_parameterShape, 1);
        _parameterShape[0] = _eventShape[0];
        Mean = AddParameter("mean", Tensor.Zeros(_eventShape[0]));
        LogScale = AddParameter("logs", Tensor.Zeros(_eventShape[0]));
    }

    /// <inheritdoc/>
    public override int[] EventShape => (int[])_eventShape.Clone();

    /// <summary>Elements D of one event.</summary>
    public int Dimensions { get; }

    /// <summary>The per-channel mean "mean" [C].</summary>
    public Variable Mean { get; }

    /// <summary>The per-channel log-std "logs" [C].</summary>
    public Variable LogScale { get; }

    /// <inheritdoc/>
    public override Variable LogProb(Variable z)
    {
        CheckEvent(z);
        var logs = Ops.Reshape(LogScale, _parameterShape);
        var e = Ops.Mul(Ops.Sub(z, Ops.Reshape(Mean, _parameterShape)), Ops.Exp(Ops.Neg(logs)));
        var quad = Ops.Scale(Ops.SumPerSample(Ops.Square(e)), -0.5f);
        int positions = Dimensions / _eventShape[0];
        var logDet = Ops.Scale(Ops.Sum(LogScale), -positions);
        return Ops.AddScalar(Ops.Add(quad, logDet), -GaussianDensity.HalfLogTwoPi * Dimensions);
    }

    /// <inheritdoc/>
    public override Tensor Sample(int n, float temperature, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        var t = Tensor.Uninitialized(BatchShape(n));
        rng.FillNormal(t.Span);
        int c = _eventShape[0], positions = Dimensions / c;
        var s = t.Span;
        for (int i = 0; i < s.Length; i++)
        {
            int ch = i / positions % c;
            s[i] = Mean.Value.Span[ch] + (temperature * MathF.Exp(LogScale.Value.Span[ch]) * s[i]);
        }

        return t;
    }
}
