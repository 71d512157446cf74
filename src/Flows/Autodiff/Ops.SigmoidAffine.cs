using System.Numerics.Tensors;

namespace Flows.Autodiff;

public static partial class Ops
{
    /// <summary>
    /// Glow's affine-coupling parameters from the network's raw output h [N, 2·C, …]: the shift is h's even
    /// channels and the log-scale ln σ(s + 2) of its odd channels s, or ln(σ(s + 2) + <paramref name="scaleFloor"/>)
    /// with a floor.
    /// </summary>
    public static (Variable Shift, Variable LogScale) SigmoidAffineParameters(Variable h, float scaleFloor)
    {
        ArgumentNullException.ThrowIfNull(h);
        int half = h.Shape[1] / 2;
        var shift = Slice(h, 1, 0, half, 2);
        var logScale = LogSigmoid(AddScalar(Slice(h, 1, 1, half, 2), 2f));
        return (shift, scaleFloor == 0 ? logScale : Log(AddScalar(Exp(logScale), scaleFloor)));
    }

    /// <summary>
    /// The inverse of Glow's affine coupling on its transformed part: x = y·exp(−ls) − shift with the
    /// parameters of <see cref="SigmoidAffineParameters"/> from h [N, 2·C, …]; returns x and ls, both shaped like
    /// y [N, C, …]. Recorded as those ops; when the graph will never be differentiated
    /// (<see cref="Autograd.ValuesOnly"/>) and y is an image batch, one kernel runs the same primitives on each
    /// plane in the same order (Add, softplus, [Exp, Add, Log,] Negate, Exp, Multiply, Subtract), so the values
    /// are the same bits either way.
    /// </summary>
    public static (Variable X, Variable LogScale) SigmoidAffineInverse(Variable y, Variable h, float scaleFloor)
    {
        ArgumentNullException.ThrowIfNull(y);
        ArgumentNullException.ThrowIfNull(h);
        if (h.Shape.Length != y.Shape.Length || h.Shape[0] != y.Shape[0] || h.Shape[1] != 2 * y.Shape[1] || h.Value.Length != 2 * y.Value.Length)
        {
            throw new ArgumentException($"SigmoidAffineInverse needs h with twice y's channels: y {Tensor.FormatShape(y.Shape)}, h {Tensor.FormatShape(h.Shape)}.", nameof(h));
        }

        if (!Autograd.ValuesOnly || y.Shape.Length != 4)
        {
            var (shift, logScale) = SigmoidAffineParameters(h, scaleFloor);
            return (Sub(Mul(y, Exp(Neg(logScale))), shift), logScale);
        }

        var x = Tensor.Uninitialized(y.Shape);
        var ls = Tensor.Uninitialized(y.Shape);
        int n = y.Shape[0], channels = y.Shape[1], plane = y.Shape[2] * y.Shape[3];
        float[] ys = y.Value.Storage, hs = h.Value.Storage, xs = x.Storage, lss = ls.Storage;
        int chunks = Math.Min(n, Kernels.Parallelism.ChunkCount((long)n * channels * plane, 16 * 1024));
        Kernels.Parallelism.For(chunks, chunk =>
        {
            var (s0, s1) = Kernels.Parallelism.ChunkRange(chunk, chunks, n);
            float[] buffer = System.Buffers.ArrayPool<float>.Shared.Rent(plane);
            var e = buffer.AsSpan(0, plane);
            for (int s = s0; s < s1; s++)
            {
                for (int c = 0; c < channels; c++)
                {
                    var shift = hs.AsSpan(((s * 2 * channels) + (2 * c)) * plane, plane);
                    var raw = hs.AsSpan(((s * 2 * channels) + (2 * c) + 1) * plane, plane);
                    int at = ((s * channels) + c) * plane;
                    var lsc = lss.AsSpan(at, plane);
                    TensorPrimitives.Add(raw, 2f, e);
                    SoftplusInto(e, lsc, negate: true);
                    if (scaleFloor != 0)
                    {
                        TensorPrimitives.Exp(lsc, e);
                        TensorPrimitives.Add(e, scaleFloor, e);
                        TensorPrimitives.Log(e, lsc);
                    }

                    TensorPrimitives.Negate(lsc, e);
                    TensorPrimitives.Exp(e, e);
                    var xc = xs.AsSpan(at, plane);
                    TensorPrimitives.Multiply(ys.AsSpan(at, plane), e, xc);
                    TensorPrimitives.Subtract(xc, shift, xc);
                }
            }

            System.Buffers.ArrayPool<float>.Shared.Return(buffer);
        });
        return (ValuesOnlyNode(x, y, h), ValuesOnlyNode(ls, y, h));
    }
}
