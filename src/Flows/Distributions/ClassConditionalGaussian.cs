using Flows.Autodiff;

namespace Flows.Distributions;

/// <summary>
/// Glow's class-conditional top prior (Kingma and Dhariwal 2018, "y-conditioning"): given a one-hot label
/// y [N, K], h = W·y + b (zero-initialised) gives a per-channel mean (even outputs) and log-std (odd
/// outputs), shared over the other event axes; z ~ N(mean, exp(logs)²). The bias is the class-independent
/// learned top prior. Parameters: weight [2C, K], bias [2C].
/// </summary>
public sealed class ClassConditionalGaussian : ConditionalDistribution
{
    private readonly int[] _eventShape;

    /// <summary>A zero-initialised prior over events of <paramref name="eventShape"/> ([C, …], channels first) given one of <paramref name="classes"/> labels.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="classes"/> is less than 1.</exception>
    /// <exception cref="ArgumentException"><paramref name="eventShape"/> is empty.</exception>
    public ClassConditionalGaussian(int classes, IReadOnlyList<int> eventShape)
    {
        ArgumentNullException.ThrowIfNull(eventShape);
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 1);
        if (eventShape.Count == 0)
        {
            throw new ArgumentException("ClassConditionalGaussian needs a non-scalar event shape.", nameof(eventShape));
        }

        Classes = classes;
        _eventShape = [.. eventShape];
        Dimensions = Tensor.CheckedLength(_eventShape);
        Weight = AddParameter("weight", Tensor.Zeros(2 * _eventShape[0], classes));
        Bias = AddParameter("bias", Tensor.Zeros(2 * _eventShape[0]));
    }

    /// <summary>Number of classes K.</summary>
    public int Classes { get; }

    /// <summary>Elements of one event (the product of <see cref="EventShape"/>).</summary>
    public int Dimensions { get; }

    /// <summary>Shape of one event, without the batch axis; the first axis is the channel axis C.</summary>
    public IReadOnlyList<int> EventShape => _eventShape;

    /// <summary>The matrix W "weight" [2C, K] from one-hot labels to interleaved mean and log-std.</summary>
    public Variable Weight { get; }

    /// <summary>The bias b "bias" [2C]: the class-independent mean and log-std, interleaved.</summary>
    public Variable Bias { get; }

    /// <summary>One-hot rows [N, classes] for integer labels.</summary>
    public static Tensor OneHot(ReadOnlySpan<int> labels, int classes)
    {
        var t = Tensor.Zeros(labels.Length, classes);
        for (int i = 0; i < labels.Length; i++)
        {
            if ((uint)labels[i] >= (uint)classes)
            {
                throw new ArgumentOutOfRangeException(nameof(labels), $"Label {labels[i]} is outside [0, {classes}).");
            }

            t.Span[(i * classes) + labels[i]] = 1f;
        }

        return t;
    }

    /// <summary>Mean and log-std [N, C, 1, …] given labels [N, K].</summary>
    public (Variable Mean, Variable LogScale) Parameters(Variable labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (labels.Shape.Length != 2 || labels.Shape[1] != Classes)
        {
            throw new ArgumentException($"ClassConditionalGaussian needs labels [N, {Classes}], got {Tensor.FormatShape(labels.Shape)}.", nameof(labels));
        }

        var h = Ops.Add(Ops.MatMul(labels, Weight, transposeB: true), Bias);
        int c = _eventShape[0];
        var shape = new int[_eventShape.Length + 1];
        Array.Fill(shape, 1);
        shape[0] = labels.Shape[0];
        shape[1] = c;
        return (Ops.Reshape(Ops.Slice(h, 1, 0, c, 2), shape), Ops.Reshape(Ops.Slice(h, 1, 1, c, 2), shape));
    }

    /// <summary>log p(z | y) per sample, [N], in nats, for z [N, ..EventShape] and one-hot labels y [N, K] as the context.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="context"/> is null: this prior needs labels.</exception>
    public override Variable LogProb(Variable z, Variable? context)
    {
        ArgumentNullException.ThrowIfNull(z);
        ArgumentNullException.ThrowIfNull(context);
        var (mean, logs) = Parameters(context);
        var e = Ops.Mul(Ops.Sub(z, mean), Ops.Exp(Ops.Neg(logs)));
        var quad = Ops.Scale(Ops.SumPerSample(Ops.Square(e)), -0.5f);
        int positions = Dimensions / _eventShape[0];
        var logDet = Ops.Scale(Ops.SumPerSample(logs), -positions);
        return Ops.AddScalar(Ops.Add(quad, logDet), -GaussianDensity.HalfLogTwoPi * Dimensions);
    }

    /// <summary>n samples [n, ..EventShape] given one-hot labels [n, K]; <paramref name="temperature"/> scales the standard deviation. The caller owns the tensor.</summary>
    /// <exception cref="ArgumentException">The context does not hold <paramref name="n"/> labels.</exception>
    public override Tensor Sample(int n, Variable? context, float temperature, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(rng);
        if (context.Shape[0] != n)
        {
            throw new ArgumentException($"ClassConditionalGaussian: asked for {n} samples with {context.Shape[0]} labels.", nameof(n));
        }

        using (Autograd.NoGrad())
        {
            var (mean, logs) = Parameters(context);
            var shape = new int[_eventShape.Length + 1];
            shape[0] = n;
            _eventShape.CopyTo(shape, 1);
            var t = Tensor.Uninitialized(shape);
            rng.FillNormal(t.Span);
            int c = _eventShape[0], positions = Dimensions / c;
            var s = t.Span;
            for (int i = 0; i < s.Length; i++)
            {
                int row = i / positions;
                s[i] = mean.Value.Span[row] + (temperature * MathF.Exp(logs.Value.Span[row]) * s[i]);
            }

            return t;
        }
    }
}
