using Flows.Autodiff;

namespace Flows.Bijectors;

/// <summary>
/// RealNVP's logit preprocessing (Dinh et al. 2017, section 4.1) for data in [0, 1] (or in [−o, 1 − o] with
/// an offset o, e.g. 0.5 for data centred on 0): with p = α + (1 − 2α)·(x + o), forward y = logit(p) = log p − log(1 − p); inverse x = (σ(y) − α) / (1 − 2α) − o;
/// logDet = Σ [log(1 − 2α) − log p − log(1 − p)], so that likelihoods (and bits per dimension) of the
/// original x stay exact. α keeps p away from 0 and 1 (0.05 for CIFAR-10, 1e-6 for MNIST in the paper).
/// No parameters.
/// </summary>
public sealed class LogitTransform : Bijector
{
    /// <summary>The logit transform with margin <paramref name="alpha"/> = α, in [0, 0.5), of data shifted by <paramref name="offset"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="alpha"/> is outside [0, 0.5), or <paramref name="offset"/> is not finite.</exception>
    public LogitTransform(float alpha = 0.05f, float offset = 0f)
    {
        if (!(alpha >= 0f && alpha < 0.5f))
        {
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "α must be in [0, 0.5).");
        }

        if (!float.IsFinite(offset))
        {
            throw new ArgumentOutOfRangeException(nameof(offset), offset, "The offset must be finite.");
        }

        Alpha = alpha;
        Offset = offset;
    }

    /// <summary>The margin α that keeps p away from 0 and 1.</summary>
    public float Alpha { get; }

    /// <summary>The offset o added to the data before the map (0 for data in [0, 1]).</summary>
    public float Offset { get; }

    /// <inheritdoc/>
    public override (Variable Z, Variable LogDet) Forward(Variable x)
    {
        ArgumentNullException.ThrowIfNull(x);
        var p = Ops.AddScalar(Ops.Scale(x, 1f - (2f * Alpha)), Alpha + ((1f - (2f * Alpha)) * Offset));
        var logP = Ops.Log(p);
        var log1mP = Ops.Log(Ops.AddScalar(Ops.Neg(p), 1f));
        var y = Ops.Sub(logP, log1mP);
        return (y, LogDet(logP, log1mP));
    }

    /// <inheritdoc/>
    public override (Variable X, Variable LogDet) Inverse(Variable z)
    {
        ArgumentNullException.ThrowIfNull(z);
        var x = Ops.AddScalar(Ops.Scale(Ops.AddScalar(Ops.Sigmoid(z), -Alpha), 1f / (1f - (2f * Alpha))), -Offset);

        // log p = log σ(z), log(1 − p) = log σ(−z): stable at large |z| where σ saturates.
        var logDet = LogDet(Ops.LogSigmoid(z), Ops.LogSigmoid(Ops.Neg(z)));
        return (x, Ops.Neg(logDet));
    }

    private Variable LogDet(Variable logP, Variable log1mP)
    {
        int d = logP.Value.Length / logP.Shape[0];
        var sum = Ops.SumPerSample(Ops.Add(logP, log1mP));
        return Ops.AddScalar(Ops.Neg(sum), (float)(d * Math.Log(1.0 - (2.0 * Alpha))));
    }
}
