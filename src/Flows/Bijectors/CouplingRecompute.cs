using System.Numerics.Tensors;
using Flows.Autodiff;

namespace Flows.Bijectors;

/// <summary>Glow's affine coupling inverted in one kernel, for passes that record nothing (sampling, decoding).</summary>
internal static class CouplingRecompute
{
    /// <summary>
    /// The affine coupling's inverse from its network output h [N, 2·Cb, H, W] (shift in even channels,
    /// raw scale s in odd ones): x = [z_a, z_b·e^(−ls) − shift] with ls = log σ(s + 2), and
    /// logDet[n] = −Σ ls, or with a scale floor ls = ln(e^(log σ(s + 2)) + floor). Each plane runs the primitives
    /// the recorded ops run (Add, softplus, [Exp, Add, Log,] Negate, Exp, Multiply, Subtract), so x is
    /// bit-identical to them; samples run in parallel, each summed alone.
    /// </summary>
    public static void InvertAffine(Tensor z, Tensor h, Tensor x, Tensor logDet, float scaleFloor = 0)
    {
        int n = z.Shape[0], channels = z.Shape[1], half = channels / 2, rest = channels - half;
        int plane = z.Shape[2] * z.Shape[3];
        if (h.Rank != 4 || h.Shape[0] != n || h.Shape[1] != 2 * rest || h.Shape[2] * h.Shape[3] != plane || x.Length != z.Length || logDet.Length != n)
        {
            throw new ArgumentException($"InvertAffine: z {Tensor.FormatShape(z.Shape)}, network output {Tensor.FormatShape(h.Shape)}, x {Tensor.FormatShape(x.Shape)}, log-det {Tensor.FormatShape(logDet.Shape)} do not fit.");
        }

        float[] zs = z.Storage, hs = h.Storage, xs = x.Storage, ld = logDet.Storage;
        int chunks = Math.Min(n, Kernels.Parallelism.ChunkCount((long)n * channels * plane, 16 * 1024));
        Kernels.Parallelism.For(chunks, chunk =>
        {
            var (s0, s1) = Kernels.Parallelism.ChunkRange(chunk, chunks, n);
            // One pooled buffer per chunk: the log-scales of a sample, then a plane of scratch.
            float[] buffer = System.Buffers.ArrayPool<float>.Shared.Rent((rest + 1) * plane);
            var ls = buffer.AsSpan(0, rest * plane);
            var e = buffer.AsSpan(rest * plane, plane);
            for (int s = s0; s < s1; s++)
            {
                int image = s * channels * plane;
                zs.AsSpan(image, half * plane).CopyTo(xs.AsSpan(image, half * plane));
                for (int j = 0; j < rest; j++)
                {
                    var shift = hs.AsSpan(((s * 2 * rest) + (2 * j)) * plane, plane);
                    var raw = hs.AsSpan(((s * 2 * rest) + (2 * j) + 1) * plane, plane);
                    var lsj = ls.Slice(j * plane, plane);
                    TensorPrimitives.Add(raw, 2f, e);
                    Ops.SoftplusInto(e, lsj, negate: true);
                    if (scaleFloor != 0)
                    {
                        // ln(exp(log-sigmoid) + floor): the recorded path's primitives in its order.
                        TensorPrimitives.Exp(lsj, e);
                        TensorPrimitives.Add(e, scaleFloor, e);
                        TensorPrimitives.Log(e, lsj);
                    }

                    TensorPrimitives.Negate(lsj, e);
                    TensorPrimitives.Exp(e, e);
                    var zb = zs.AsSpan(image + ((half + j) * plane), plane);
                    var xb = xs.AsSpan(image + ((half + j) * plane), plane);
                    TensorPrimitives.Multiply(zb, e, xb);
                    TensorPrimitives.Subtract(xb, shift, xb);
                }

                ld[s] = -TensorPrimitives.Sum<float>(ls);
            }

            System.Buffers.ArrayPool<float>.Shared.Return(buffer);
        });
    }
}
