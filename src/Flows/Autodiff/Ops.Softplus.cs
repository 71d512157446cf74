using System.Numerics.Tensors;

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
            for (int i = 0; i < n; i++)
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
