using Flows.Kernels;
using Flows.Tensors;

namespace Flows.Autodiff;

public static partial class Ops
{
    /// <summary>
    /// ActNorm's map as one primitive: y = (x + loc[c])·exp(logScale[c]) per channel c of x [N, C, …]
    /// (every axis but 1 shares the channel's values), followed by max(y, 0) when <paramref name="relu"/>.
    /// The backward needs only y: ∂y/∂loc = exp(logScale), ∂y/∂logScale = y, masked to y &gt; 0 under ReLU.
    /// Equal to the composition Mul(Add(x, loc), Exp(logScale)) (then Relu), in one pass each way.
    /// </summary>
    public static Variable ChannelAffine(Variable x, Variable loc, Variable logScale, bool relu = false)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(loc);
        ArgumentNullException.ThrowIfNull(logScale);
        if (x.Shape.Length < 2 || loc.Shape.Length != 1 || logScale.Shape.Length != 1 || loc.Shape[0] != x.Shape[1] || logScale.Shape[0] != x.Shape[1])
        {
            throw new ArgumentException($"ChannelAffine needs x [N, C, …] with loc [C] and logScale [C], got x {Tensor.FormatShape(x.Shape)}, loc {Tensor.FormatShape(loc.Shape)}, logScale {Tensor.FormatShape(logScale.Shape)}.", nameof(x));
        }

        int n = x.Shape[0], channels = x.Shape[1];
        int inner = n * channels == 0 ? 0 : x.Value.Length / (n * channels);
        var scale = new float[channels];
        System.Numerics.Tensors.TensorPrimitives.Exp(logScale.Value.Span, scale);
        var y = Tensor.Uninitialized(x.Shape);
        Kernels.ChannelAffine.ForwardParallel(x.Value.Storage, n, channels, inner, loc.Value.Span.ToArray(), scale, y.Storage, relu);
        return Variable.FromOp(y, [x, loc, logScale], g =>
        {
            var gx = Tensor.Uninitialized(x.Shape);
            var gLoc = new double[channels];
            var gLogScale = new double[channels];
            Kernels.ChannelAffine.BackwardParallel(y.Storage, g.Storage, n, channels, inner, scale, relu, gx.Storage, gLoc, gLogScale);
            if (loc.RequiresGrad)
            {
                loc.AccumulateGradOwned(ToTensor(gLoc));
            }

            if (logScale.RequiresGrad)
            {
                logScale.AccumulateGradOwned(ToTensor(gLogScale));
            }

            if (x.RequiresGrad)
            {
                x.AccumulateGradOwned(gx);
            }
            else
            {
                gx.Release();
            }
        });
    }

    /// <summary>
    /// A node for a value computed by a faster route inside <see cref="Autograd.ValuesOnly"/> code: it keeps
    /// its parents (so releasing the caller's graph releases theirs) and refuses a backward.
    /// </summary>
    internal static Variable ValuesOnlyNode(Tensor value, params Variable[] parents)
        => Variable.FromOp(value, parents, _ => throw new InvalidOperationException("This value was computed for values only (inside a recording scope that is never differentiated)."));

    /// <summary>
    /// x[n, c] = z[n, c]·e^(−logScale[c]) − loc[c] (ActNorm's inverse) for values only, plane by plane with
    /// the primitives the broadcast ops use (Negate, Exp, then Multiply and Subtract), so the same bits.
    /// </summary>
    /// <summary>
    /// The inverse of <see cref="ChannelAffine"/> without the ReLU: x = z·exp(−logScale[c]) − loc[c] per channel c
    /// of z [N, C, …]. Recorded as Neg, Exp, Mul and Sub; when the graph will never be differentiated
    /// (<see cref="Autograd.ValuesOnly"/>) one pass per plane runs the same primitives in the same order, so
    /// the values are the same bits either way.
    /// </summary>
    public static Variable ChannelAffineInverse(Variable z, Variable loc, Variable logScale)
    {
        ArgumentNullException.ThrowIfNull(z);
        ArgumentNullException.ThrowIfNull(loc);
        ArgumentNullException.ThrowIfNull(logScale);
        if (z.Shape.Length < 2 || loc.Shape.Length != 1 || logScale.Shape.Length != 1 || loc.Shape[0] != z.Shape[1] || logScale.Shape[0] != z.Shape[1])
        {
            throw new ArgumentException($"ChannelAffineInverse needs z [N, C, …] with loc [C] and logScale [C], got z {Tensor.FormatShape(z.Shape)}, loc {Tensor.FormatShape(loc.Shape)}, logScale {Tensor.FormatShape(logScale.Shape)}.", nameof(z));
        }

        if (Autograd.ValuesOnly)
        {
            return ChannelAffineInverseValues(z, loc, logScale);
        }

        int[] shape = new int[z.Shape.Length - 1];
        shape.AsSpan().Fill(1);
        shape[0] = z.Shape[1];
        return Sub(Mul(z, Exp(Neg(Reshape(logScale, shape)))), Reshape(loc, shape));
    }

    private static Variable ChannelAffineInverseValues(Variable z, Variable loc, Variable logScale)
    {
        int n = z.Shape[0], channels = z.Shape[1];
        int inner = n * channels == 0 ? 0 : z.Value.Length / (n * channels);
        var factor = new float[channels];
        System.Numerics.Tensors.TensorPrimitives.Negate(logScale.Value.Span, factor);
        System.Numerics.Tensors.TensorPrimitives.Exp(factor, factor);
        var locValues = loc.Value.Span.ToArray();
        var x = Tensor.Uninitialized(z.Shape);
        float[] zs = z.Value.Storage, xs = x.Storage;
        int chunks = Math.Min(n, Kernels.Parallelism.ChunkCount((long)n * channels * inner, 16 * 1024));
        Kernels.Parallelism.For(chunks, chunk =>
        {
            var (s0, s1) = Kernels.Parallelism.ChunkRange(chunk, chunks, n);
            for (int plane = s0 * channels; plane < s1 * channels; plane++)
            {
                int c = plane % channels;
                var xp = xs.AsSpan(plane * inner, inner);
                System.Numerics.Tensors.TensorPrimitives.Multiply(zs.AsSpan(plane * inner, inner), factor[c], xp);
                System.Numerics.Tensors.TensorPrimitives.Subtract(xp, locValues[c], xp);
            }
        });
        return ValuesOnlyNode(x, z, loc, logScale);
    }

    private static Tensor ToTensor(double[] values)
    {
        var t = Tensor.Uninitialized(values.Length);
        var span = t.Span;
        for (int i = 0; i < values.Length; i++)
        {
            span[i] = (float)values[i];
        }

        return t;
    }
}
