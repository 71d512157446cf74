using Flows.Autodiff;

namespace Flows.NN;

/// <summary>y = x·Wᵀ + b for x [N, in]; W [out, in], b [out]. Kaiming-uniform init (bound 1/√in), or zeros.</summary>
public sealed class Linear : Module
{
    /// <summary>A linear layer from <paramref name="inFeatures"/> to <paramref name="outFeatures"/> features.</summary>
    /// <param name="inFeatures">Input width.</param>
    /// <param name="outFeatures">Output width.</param>
    /// <param name="rng">Source of the initial weights.</param>
    /// <param name="bias">Whether the layer has a bias.</param>
    /// <param name="zeroInit">Start weight and bias at zero instead of Kaiming-uniform.</param>
    public Linear(int inFeatures, int outFeatures, Rng rng, bool bias = true, bool zeroInit = false)
    {
        ArgumentNullException.ThrowIfNull(rng);
        ArgumentOutOfRangeException.ThrowIfLessThan(inFeatures, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outFeatures, 1);
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        var w = Tensor.Zeros(outFeatures, inFeatures);
        float bound = 1f / MathF.Sqrt(inFeatures);
        if (!zeroInit)
        {
            rng.FillUniform(w.Span, -bound, bound);
        }

        Weight = AddParameter("weight", w);
        if (bias)
        {
            var b = Tensor.Zeros(outFeatures);
            if (!zeroInit)
            {
                rng.FillUniform(b.Span, -bound, bound);
            }

            Bias = AddParameter("bias", b);
        }
    }

    /// <summary>Input width.</summary>
    public int InFeatures { get; }

    /// <summary>Output width.</summary>
    public int OutFeatures { get; }

    /// <summary>The matrix W "weight" [out, in].</summary>
    public Variable Weight { get; }

    /// <summary>The bias b "bias" [out], or null when built without one.</summary>
    public Variable? Bias { get; }

    /// <summary>y = x·Wᵀ + b for <paramref name="x"/> [N, in], giving [N, out].</summary>
    /// <exception cref="ArgumentException"><paramref name="x"/> is not [N, <see cref="InFeatures"/>].</exception>
    public Variable Forward(Variable x)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Shape.Length != 2 || x.Shape[1] != InFeatures)
        {
            throw new ArgumentException($"Linear({InFeatures} → {OutFeatures}) needs x [N, {InFeatures}], got {Tensors.Tensor.FormatShape(x.Shape)}.", nameof(x));
        }

        var y = Ops.MatMul(x, Weight, transposeB: true);
        return Bias is null ? y : Ops.Add(y, Bias);
    }
}
