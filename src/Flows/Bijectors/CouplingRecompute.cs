using System.Numerics.Tensors;
using Flows.Autodiff;

namespace Flows.Bijectors;

/// <summary>The part of <see cref="IRecomputeFromOutput"/> that Glow's channel-half couplings share.</summary>
internal static class CouplingRecompute
{
    /// <summary>
    /// A leaf x whose first half is z's (a coupling passes it through unchanged) and the recorded slice xa
    /// of it; the second half of the leaf is left to <see cref="RebuildSecondHalf"/> once the network has run.
    /// </summary>
    public static (Variable Leaf, Variable First) StartFromOutput(Tensor z, int channels, bool inputRequiresGrad)
    {
        ArgumentNullException.ThrowIfNull(z);
        if (z.Rank != 4 || z.Shape[1] != channels)
        {
            throw new ArgumentException($"Coupling over {channels} channels needs [N, {channels}, H, W], got {Tensor.FormatShape(z.Shape)}.", nameof(z));
        }

        var leaf = new Variable(z.Clone(), inputRequiresGrad);
        return (leaf, Ops.Slice(leaf, 1, 0, channels / 2));
    }

    /// <summary>
    /// Writes xb = zb·exp(−logScale) − shift (affine; <paramref name="logScale"/> null: xb = zb − shift) into
    /// the second half of every sample of the leaf, with the same arithmetic as the couplings' Inverse.
    /// shift and logScale are [N, C − C/2, H, W].
    /// </summary>
    public static void RebuildSecondHalf(Variable leaf, Tensor z, Tensor shift, Tensor? logScale)
    {
        int n = leaf.Shape[0], channels = leaf.Shape[1], half = channels / 2;
        int plane = leaf.Shape[2] * leaf.Shape[3];
        int rest = (channels - half) * plane;
        var x = leaf.Value.Span;
        var zs = z.Span;
        var scratch = new float[rest];
        for (int s = 0; s < n; s++)
        {
            int offset = (s * channels * plane) + (half * plane);
            var zb = zs.Slice(offset, rest);
            var sh = shift.Span.Slice(s * rest, rest);
            var xb = x.Slice(offset, rest);
            if (logScale is null)
            {
                TensorPrimitives.Subtract(zb, sh, xb);
            }
            else
            {
                TensorPrimitives.Negate(logScale.Span.Slice(s * rest, rest), scratch);
                TensorPrimitives.Exp(scratch, scratch);
                TensorPrimitives.Multiply(zb, scratch, scratch);
                TensorPrimitives.Subtract(scratch, sh, xb);
            }
        }
    }

    /// <summary>The recorded second half of the leaf (after <see cref="RebuildSecondHalf"/>).</summary>
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

    public static Variable Second(Variable leaf)
    {
        int channels = leaf.Shape[1], half = channels / 2;
        return Ops.Slice(leaf, 1, half, channels - half);
    }
}
