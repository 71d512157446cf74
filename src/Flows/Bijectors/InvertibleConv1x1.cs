using Flows.Autodiff;
using Flows.Kernels;

namespace Flows.Bijectors;

/// <summary>
/// Invertible 1×1 convolution (Glow, Kingma and Dhariwal 2018, §3.2) with a full weight W [C, C] over axis 1
/// of images [N, C, H, W] or vectors [N, C] (any [N, C, …]): forward z[:, :, p] = W·x[:, :, p] at every
/// position p, inverse x = W⁻¹·z, log-det = (positions)·ln|det W|. Initialised to a random orthogonal matrix.
/// Parameter: weight [C, C].
/// </summary>
public sealed class InvertibleConv1x1 : Bijector, IInvertibilityCheck
{
    /// <summary>A 1×1 convolution over <paramref name="channels"/> channels whose weight starts as a random orthogonal matrix drawn from <paramref name="rng"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="channels"/> is less than 1.</exception>
    public InvertibleConv1x1(int channels, Rng rng)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        Channels = channels;
        var q = OrthogonalInit.Random(channels, rng);
        var w = Tensor.Uninitialized(channels, channels);
        for (int i = 0; i < q.Length; i++)
        {
            w.Span[i] = (float)q[i];
        }

        Weight = AddParameter("weight", w);
    }

    /// <summary>Number of channels C.</summary>
    public int Channels { get; }

    /// <summary>The weight W "weight" [C, C].</summary>
    public Variable Weight { get; }

    /// <inheritdoc/>
    public override (Variable Z, Variable LogDet) Forward(Variable x)
    {
        CheckInput(x, Channels, GetType().Name);
        var z = Mix(x, Weight);
        return (z, PerSample(x, Ops.LogAbsDet(Weight), 1f));
    }

    /// <inheritdoc/>
    public override (Variable X, Variable LogDet) Inverse(Variable z)
    {
        CheckInput(z, Channels, GetType().Name);
        var x = Mix(z, Ops.Inverse(Weight));
        return (x, PerSample(z, Ops.LogAbsDet(Weight), -1f));
    }

    /// <summary>W must have a finite log|det W| and a finite inverse.</summary>
    public string? InvertibilityProblem()
    {
        double logDet;
        try
        {
            logDet = SmallMatrix.LogAbsDet(Weight.Value.Span, Channels);
        }
        catch (InvalidOperationException)
        {
            return $"its {Channels}x{Channels} weight is singular";
        }

        if (!double.IsFinite(logDet))
        {
            return $"its {Channels}x{Channels} weight is singular (ln|det W| = {logDet})";
        }

        var inverse = new float[Channels * Channels];
        SmallMatrix.Invert(Weight.Value.Span, Channels, inverse);
        return Array.Exists(inverse, v => !float.IsFinite(v)) ? $"its {Channels}x{Channels} weight has no finite inverse in float (ln|det W| = {logDet:G4})" : null;
    }

    /// <summary>
    /// W·x at every position of x [N, C, …] along axis 1: a matrix product for vectors [N, C], a 1×1 convolution
    /// for images [N, C, H, W] (other ranks as images of one column).
    /// </summary>
    internal static Variable Mix(Variable x, Variable weight)
    {
        int c = weight.Shape[0];
        return x.Shape.Length switch
        {
            2 => Ops.MatMul(x, weight, transposeB: true),
            4 => Ops.Conv2d(x, Ops.Reshape(weight, c, c, 1, 1)),
            _ => Ops.Reshape(Ops.Conv2d(Ops.Reshape(x, x.Shape[0], c, x.Value.Length / (x.Shape[0] * c), 1), Ops.Reshape(weight, c, c, 1, 1)), x.Shape),
        };
    }

    /// <summary>A per-sample log-det [N]: <paramref name="sign"/> · (positions per sample) · <paramref name="value"/>.</summary>
    internal static Variable PerSample(Variable x, Variable value, float sign)
    {
        int n = x.Shape[0];
        int positions = n * x.Shape[1] == 0 ? 0 : x.Value.Length / (n * x.Shape[1]);
        var total = Ops.Scale(value, sign * positions);
        return Ops.Add(Variable.Constant(Tensor.Zeros(n)), total);
    }

    internal static void CheckInput(Variable x, int channels, string name)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Shape.Length < 2 || x.Shape[1] != channels)
        {
            throw new ArgumentException($"{name}({channels}) needs [N, {channels}, …] (vectors [N, {channels}] or images [N, {channels}, H, W]), got {Tensor.FormatShape(x.Shape)}.", nameof(x));
        }
    }
}
