using Flows.Autodiff;

namespace Flows.Distributions;

/// <summary>The diagonal Gaussian log-density shared by the learned priors.</summary>
internal static class GaussianDensity
{
    internal static readonly float HalfLogTwoPi = (float)(0.5 * Math.Log(2 * Math.PI));

    /// <summary>
    /// Σ over each sample of log N(z; mean, exp(logScale)²) = −½((z − mean)·e^−logScale)² − logScale − ½ ln 2π,
    /// with mean and logScale of z's full shape [N, ...].
    /// </summary>
    public static Variable LogProb(Variable z, Variable mean, Variable logScale)
    {
        var e = Ops.Mul(Ops.Sub(z, mean), Ops.Exp(Ops.Neg(logScale)));
        var quad = Ops.SumPerSample(Ops.Square(e));
        var logs = Ops.SumPerSample(logScale);
        int d = z.Value.Length / z.Shape[0];
        return Ops.AddScalar(Ops.Sub(Ops.Scale(quad, -0.5f), logs), -HalfLogTwoPi * d);
    }

    /// <summary>mean + temperature · exp(logScale) · ε with ε ~ N(0, I), all of the same shape.</summary>
    public static Tensor Sample(Tensor mean, Tensor logScale, float temperature, Rng rng)
    {
        var t = Tensor.Uninitialized(mean.Shape);
        rng.FillNormal(t.Span);
        var s = t.Span;
        var m = mean.Span;
        var l = logScale.Span;
        for (int i = 0; i < s.Length; i++)
        {
            s[i] = m[i] + (temperature * MathF.Exp(l[i]) * s[i]);
        }

        return t;
    }
}
