using Flows.Kernels;
using Flows.Tensors;

namespace Flows.Autodiff;

public static partial class Ops
{
    /// <summary>
    /// Matrix product of 2-D operands: y = op(a)·op(b), op = transpose when the flag is set.
    /// Backward: da = g·op(b)ᵀ (transposed back if a was), db = op(a)ᵀ·g (likewise).
    /// </summary>
    public static Variable MatMul(Variable a, Variable b, bool transposeA = false, bool transposeB = false)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Shape.Length != 2 || b.Shape.Length != 2)
        {
            throw new ArgumentException($"MatMul needs 2-D operands, got {Tensor.FormatShape(a.Shape)} and {Tensor.FormatShape(b.Shape)}.");
        }

        int m = transposeA ? a.Shape[1] : a.Shape[0];
        int k = transposeA ? a.Shape[0] : a.Shape[1];
        int kb = transposeB ? b.Shape[1] : b.Shape[0];
        int n = transposeB ? b.Shape[0] : b.Shape[1];
        if (k != kb)
        {
            throw new ArgumentException($"MatMul inner sizes differ: {Tensor.FormatShape(a.Shape)}{(transposeA ? "ᵀ" : string.Empty)} · {Tensor.FormatShape(b.Shape)}{(transposeB ? "ᵀ" : string.Empty)}.");
        }

        int lda = a.Shape[1], ldb = b.Shape[1];
        var y = Tensor.Uninitialized(m, n);
        Gemm.Multiply(transposeA, transposeB, m, n, k, a.Value.Span, lda, b.Value.Span, ldb, y.Span, n, accumulate: false);
        FlopCounter.Product(m, n, k);
        return Variable.FromOp(y, [a, b], g =>
        {
            if (a.RequiresGrad)
            {
                FlopCounter.Product(m, n, k);
                var ga = Tensor.Uninitialized(a.Shape);
                if (!transposeA)
                {
                    // da (m×k) = g (m×n) · op(b)ᵀ (n×k)
                    Gemm.Multiply(false, !transposeB, m, k, n, g.Span, n, b.Value.Span, ldb, ga.Span, k, accumulate: false);
                }
                else
                {
                    // da (k×m) = op(b) (k×n) · gᵀ (n×m)
                    Gemm.Multiply(transposeB, true, k, m, n, b.Value.Span, ldb, g.Span, n, ga.Span, m, accumulate: false);
                }

                a.AccumulateGradOwned(ga);
            }

            if (b.RequiresGrad)
            {
                FlopCounter.Product(m, n, k);
                var gb = Tensor.Uninitialized(b.Shape);
                if (!transposeB)
                {
                    // db (k×n) = op(a)ᵀ (k×m) · g (m×n)
                    Gemm.Multiply(!transposeA, false, k, n, m, a.Value.Span, lda, g.Span, n, gb.Span, n, accumulate: false);
                }
                else
                {
                    // db (n×k) = gᵀ (n×m) · op(a) (m×k)
                    Gemm.Multiply(true, transposeA, n, k, m, g.Span, n, a.Value.Span, lda, gb.Span, k, accumulate: false);
                }

                b.AccumulateGradOwned(gb);
            }
        });
    }

    /// <summary>
    /// Stride-1, 'same'-padded convolution of NCHW <paramref name="x"/> with weight [Co, Ci, kh, kw]
    /// (odd kh, kw) and an optional bias [Co].
    /// </summary>
    public static Variable Conv2d(Variable x, Variable weight, Variable? bias = null)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(weight);
        if (x.Shape.Length != 4 || weight.Shape.Length != 4 || weight.Shape[1] != x.Shape[1])
        {
            throw new ArgumentException($"Conv2d needs x [N, C, H, W] and weight [Co, C, kh, kw]; got x {Tensor.FormatShape(x.Shape)}, weight {Tensor.FormatShape(weight.Shape)}.");
        }

        if (bias is not null && (bias.Shape.Length != 1 || bias.Shape[0] != weight.Shape[0]))
        {
            throw new ArgumentException($"Conv2d bias must be [{weight.Shape[0]}], got {Tensor.FormatShape(bias.Shape)}.", nameof(bias));
        }

        var geo = new ConvGeometry(x.Shape[0], x.Shape[1], weight.Shape[0], x.Shape[2], x.Shape[3], weight.Shape[2], weight.Shape[3]);
        var y = Tensor.Uninitialized(geo.Batch, geo.OutChannels, geo.Height, geo.Width);
        Kernels.Conv2d.Forward(geo, x.Value.Span, weight.Value.Span, y.Span);
        // Per output element, one multiply-add per input channel and kernel tap; the two backward products have the same size.
        long convOutputs = (long)geo.Batch * geo.OutChannels * geo.Height * geo.Width, convReduce = (long)geo.InChannels * weight.Shape[2] * weight.Shape[3];
        FlopCounter.Product(convOutputs, 1, convReduce);
        if (bias is not null)
        {
            AddPerChannel(y.Span, bias.Value.Span, geo.Batch, geo.OutChannels, geo.Plane);
        }

        Variable[] parents = bias is null ? [x, weight] : [x, weight, bias];
        return Variable.FromOp(y, parents, g =>
        {
            if (x.RequiresGrad)
            {
                FlopCounter.Product(convOutputs, 1, convReduce);
                var gx = Tensor.Uninitialized(x.Shape);
                Kernels.Conv2d.BackwardInput(geo, g.Span, weight.Value.Span, gx.Span);
                x.AccumulateGradOwned(gx);
            }

            if (weight.RequiresGrad)
            {
                FlopCounter.Product(convOutputs, 1, convReduce);
                var gw = Tensor.Uninitialized(weight.Shape);
                Kernels.Conv2d.BackwardWeight(geo, x.Value.Span, g.Span, gw.Span);
                weight.AccumulateGradOwned(gw);
            }

            if (bias is not null && bias.RequiresGrad)
            {
                var gb = Tensor.Uninitialized(bias.Shape);
                new BlockLayout(geo.Batch, geo.OutChannels, geo.Plane).SumToMid(g.Span, gb.Span);
                bias.AccumulateGradOwned(gb);
            }
        });
    }

    /// <summary>
    /// Glow's zero-initialised output convolution: (conv(x, weight) + bias[c])·exp(k·logScale[c]) per output
    /// channel c, with k = <paramref name="logScaleFactor"/>. Recorded as Conv2d (with its bias), Scale, Exp and
    /// Mul; when the graph will never be differentiated (<see cref="Autograd.ValuesOnly"/>) the bias and the
    /// factor are applied in one pass (<see cref="Kernels.ChannelAffine"/>) — the same two roundings per element
    /// in the same order, so the same bits either way.
    /// </summary>
    public static Variable ScaledConv2d(Variable x, Variable weight, Variable bias, Variable logScale, float logScaleFactor)
    {
        ArgumentNullException.ThrowIfNull(bias);
        ArgumentNullException.ThrowIfNull(logScale);
        if (logScale.Shape.Length != 1 || logScale.Shape[0] != bias.Shape[0])
        {
            throw new ArgumentException($"ScaledConv2d needs logScale like the bias [{bias.Shape[0]}], got {Tensor.FormatShape(logScale.Shape)}.", nameof(logScale));
        }

        if (!Autograd.ValuesOnly)
        {
            var y = Conv2d(x, weight, bias);
            var factor = Exp(Scale(Reshape(logScale, logScale.Shape[0], 1, 1), logScaleFactor));
            return Mul(y, factor);
        }

        var conv = Conv2d(x, weight);
        int n = conv.Shape[0], channels = conv.Shape[1], inner = conv.Shape[2] * conv.Shape[3];
        if (bias.Shape.Length != 1 || bias.Shape[0] != channels)
        {
            throw new ArgumentException($"Conv2d bias must be [{channels}], got {Tensor.FormatShape(bias.Shape)}.", nameof(bias));
        }

        var scale = new float[channels];
        System.Numerics.Tensors.TensorPrimitives.Multiply(logScale.Value.Span, logScaleFactor, scale);
        System.Numerics.Tensors.TensorPrimitives.Exp(scale, scale);
        var output = Tensor.Uninitialized(conv.Shape);
        Kernels.ChannelAffine.ForwardParallel(conv.Value.Storage, n, channels, inner, bias.Value.Span.ToArray(), scale, output.Storage, relu: false);
        if (!Autograd.IsEnabled)
        {
            conv.Value.Release(); // an unrecorded intermediate nobody else holds
        }

        return ValuesOnlyNode(output, conv, bias, logScale);
    }

    private static void AddPerChannel(Span<float> y, ReadOnlySpan<float> bias, int batch, int channels, int plane)
    {
        for (int n = 0; n < batch; n++)
        {
            for (int c = 0; c < channels; c++)
            {
                var row = y.Slice(((n * channels) + c) * plane, plane);
                System.Numerics.Tensors.TensorPrimitives.Add(row, bias[c], row);
            }
        }
    }
}
