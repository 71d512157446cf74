using Flows.Autodiff;
using Flows.Kernels;

namespace Flows.Bijectors;

/// <summary>
/// Invertible 1×1 convolution (Glow, Kingma and Dhariwal 2018, §3.2) with a full weight W [C, C]:
/// forward z[:, :, y, x] = W·x[:, :, y, x] at every pixel, inverse x = W⁻¹·z,
/// log-det = H·W·ln|det W|. Initialised to a random orthogonal matrix. Parameter: weight [C, C].
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
        CheckInput(x);
        var z = Ops.Conv2d(x, Ops.Reshape(Weight, Channels, Channels, 1, 1));
        return (z, PerSample(x, Ops.LogAbsDet(Weight), 1f));
    }

    /// <inheritdoc/>
    public override (Variable X, Variable LogDet) Inverse(Variable z)
    {
        CheckInput(z);
        var inverse = Ops.Inverse(Weight);
        var x = Ops.Conv2d(z, Ops.Reshape(inverse, Channels, Channels, 1, 1));
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

    /// <summary>sign·H·W·value for every sample, [N].</summary>
    internal static Variable PerSample(Variable x, Variable value, float sign)
    {
        int n = x.Shape[0];
        var total = Ops.Scale(value, sign * x.Shape[2] * x.Shape[3]);
        return Ops.Add(Variable.Constant(Tensor.Zeros(n)), total);
    }

    private void CheckInput(Variable x)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Shape.Length != 4 || x.Shape[1] != Channels)
        {
            throw new ArgumentException($"{GetType().Name}({Channels}) needs [N, {Channels}, H, W], got {Tensor.FormatShape(x.Shape)}.", nameof(x));
        }
    }
}
