using System.Numerics.Tensors;
using System.Runtime.Intrinsics;

namespace Flows.Autodiff;

public static partial class Ops
{
    private const int SoftplusChunk = 256;

    /// <summary>
    /// y = softplus(x) = max(x, 0) + ln(1 + e^−|x|), or with <paramref name="negate"/> y = −softplus(−x) = ln σ(x),
    /// in float with SIMD exp and log. ln(1 + e) for e = e^−|x| ∈ (0, 1] uses Goldberg's identity
    /// ln(1 + e) = e·ln(u)/(u − 1), u = fl(1 + e) (e itself when u rounds to 1), which stays accurate to a few
    /// ulps even when 1 + e loses e's digits. <see cref="StableSoftplus"/> is the double-precision reference.
    /// x and y may be the same span.
    /// </summary>
    internal static void SoftplusInto(ReadOnlySpan<float> x, Span<float> y, bool negate)
    {
        Span<float> e = stackalloc float[SoftplusChunk];
        Span<float> logU = stackalloc float[SoftplusChunk];
        for (int start = 0; start < x.Length; start += SoftplusChunk)
        {
            int n = Math.Min(SoftplusChunk, x.Length - start);
            var xs = x.Slice(start, n);
            var ys = y.Slice(start, n);
            var ec = e[..n];
            var lc = logU[..n];
            TensorPrimitives.Abs(xs, ec);
            TensorPrimitives.Negate(ec, ec);
            TensorPrimitives.Exp(ec, ec);
            TensorPrimitives.Add(ec, 1f, lc);
            TensorPrimitives.Log(lc, lc);
            int i = 0;
            if (Vector512.IsHardwareAccelerated)
            {
                // The scalar loop below, 16 lanes at a time: the same float operations on each element.
                Vector512<float> one = Vector512<float>.One, zero = Vector512<float>.Zero;
                for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
                {
                    var ev = Vector512.Create(ec.Slice(i, Vector512<float>.Count));
                    var lv = Vector512.Create(lc.Slice(i, Vector512<float>.Count));
                    var xv = Vector512.Create(xs.Slice(i, Vector512<float>.Count));
                    var u = one + ev;
                    var log1p = Vector512.ConditionalSelect(Vector512.Equals(u, one), ev, lv * ev / (u - one));
                    var sp = Vector512.Max(negate ? -xv : xv, zero) + log1p;
                    (negate ? -sp : sp).CopyTo(ys.Slice(i, Vector512<float>.Count));
                }
            }

            for (; i < n; i++)
            {
                float ei = ec[i];
                float u = 1f + ei;
                float log1p = u == 1f ? ei : lc[i] * ei / (u - 1f);
                float xi = negate ? -xs[i] : xs[i];
                float sp = MathF.Max(xi, 0f) + log1p;
                ys[i] = negate ? -sp : sp;
            }
        }
    }
}
