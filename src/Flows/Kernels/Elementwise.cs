using System.Numerics;

namespace Flows.Kernels;

/// <summary>Element-wise kernels that <c>TensorPrimitives</c> does not offer, each with its scalar twin.</summary>
internal static class Elementwise
{
    /// <summary>
    /// gx = g where x &gt; 0, else 0 (the ReLU backward; x may be the ReLU's input or its output). A
    /// branch-free SIMD select, since signs are random and a branch mispredicts. gx may alias g.
    /// </summary>
    public static void ReluBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> g, Span<float> gx)
    {
        if (x.Length != gx.Length || g.Length != gx.Length)
        {
            throw new ArgumentException($"ReluBackward needs spans of one length, got x {x.Length}, g {g.Length}, gx {gx.Length}.");
        }

        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            int width = Vector<float>.Count;
            var zero = Vector<float>.Zero;
            for (; i <= gx.Length - width; i += width)
            {
                var xv = new Vector<float>(x.Slice(i, width));
                var gv = new Vector<float>(g.Slice(i, width));
                Vector.ConditionalSelect(Vector.GreaterThan(xv, zero), gv, zero).CopyTo(gx.Slice(i, width));
            }
        }

        // The remainder, and the whole span without SIMD.
        ReluBackwardScalar(x[i..], g[i..], gx[i..]);
    }

    /// <summary>The scalar twin of <see cref="ReluBackward"/>.</summary>
    public static void ReluBackwardScalar(ReadOnlySpan<float> x, ReadOnlySpan<float> g, Span<float> gx)
    {
        for (int i = 0; i < gx.Length; i++)
        {
            gx[i] = x[i] > 0f ? g[i] : 0f;
        }
    }
}
