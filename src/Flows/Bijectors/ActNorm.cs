using Flows.Autodiff;
using Flows.NN;

namespace Flows.Bijectors;

/// <summary>
/// Activation normalisation (Glow, Kingma and Dhariwal 2018, §3.1) as a bijector, per channel of [N, C, …]
/// (images [N, C, H, W] and vectors [N, D] alike): forward z = (x + loc)·exp(logs), inverse x = z·exp(−logs) − loc,
/// log-det = S·Σ_c logs_c with S the number of positions per channel (H·W for images, 1 for vectors).
/// The normalisation itself is <see cref="ActNormLayer"/> (the one the coupling networks use), with its
/// data-dependent initialisation on the first forward in training mode and its "initialized" buffer; this type
/// adds the inverse and the log-det. Parameters: loc [C], logs [C].
/// </summary>
public sealed class ActNorm : Bijector
{
    private readonly ActNormLayer _layer;

    /// <summary>An ActNorm over <paramref name="channels"/> channels, the identity until its data-dependent initialisation.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="channels"/> is less than 1.</exception>
    public ActNorm(int channels)
    {
        _layer = AddInlineModule(new ActNormLayer(channels));
    }

    /// <summary>Number of channels C (axis 1 of the input).</summary>
    public int Channels => _layer.Channels;

    /// <summary>The per-channel shift "loc" [C].</summary>
    public Variable Loc => _layer.Loc;

    /// <summary>The per-channel log-scale "logs" [C].</summary>
    public Variable LogScale => _layer.LogScale;

    /// <summary>Whether the data-dependent initialisation has happened (or parameters were loaded).</summary>
    public bool IsInitialized
    {
        get => _layer.IsInitialized;
        set => _layer.IsInitialized = value;
    }

    /// <inheritdoc/>
    public override (Variable Z, Variable LogDet) Forward(Variable x)
    {
        var z = _layer.Forward(x);
        return (z, LogDet(x, 1f));
    }

    /// <inheritdoc/>
    public override (Variable X, Variable LogDet) Inverse(Variable z)
    {
        var x = ActNormLayer.InverseAffine(z, Loc, LogScale);
        return (x, LogDet(z, -1f));
    }

    private Variable LogDet(Variable x, float sign)
    {
        int n = x.Shape[0];
        int positions = x.Value.Length / (n * Channels);
        var perSample = Ops.Scale(Ops.Sum(LogScale), sign * positions);
        return Ops.Add(Variable.Constant(Tensor.Zeros(n)), perSample);
    }
}
