using Flows.Autodiff;
using Flows.Kernels;

namespace Flows.NN;

/// <summary>y = x·Wᵀ + b for x [N, in]; W [out, in], b [out]. Kaiming-uniform init (bound 1/√in), or zeros.</summary>
public sealed class Linear : Module
{
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

    public int InFeatures { get; }

    public int OutFeatures { get; }

    public Variable Weight { get; }

    public Variable? Bias { get; }

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
