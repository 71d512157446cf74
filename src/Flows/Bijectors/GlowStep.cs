using Flows.Autodiff;

namespace Flows.Bijectors;

/// <summary>
/// One step of flow of Glow (Kingma and Dhariwal 2018, §3): ActNorm → invertible 1×1 convolution (or a
/// channel permutation) → coupling. Forward applies them in that order and sums their log-dets; inverse
/// undoes them in reverse. Children: actnorm, invconv (or permute), coupling.
/// </summary>
public sealed class GlowStep : Bijector
{
    private readonly Bijector[] _parts;

    /// <param name="actNorm">The normalisation (named "actnorm").</param>
    /// <param name="mixing">The channel mixing, named "invconv" for 1×1 convolutions and "permute" for fixed permutations.</param>
    /// <param name="coupling">The coupling (named "coupling").</param>
    public GlowStep(ActNorm actNorm, Bijector mixing, Bijector coupling)
    {
        ArgumentNullException.ThrowIfNull(actNorm);
        ArgumentNullException.ThrowIfNull(mixing);
        ArgumentNullException.ThrowIfNull(coupling);
        ActNorm = AddModule("actnorm", actNorm);
        Mixing = AddModule(mixing is ChannelPermutation ? "permute" : "invconv", mixing);
        Coupling = AddModule("coupling", coupling);
        _parts = [actNorm, mixing, coupling];
    }

    public ActNorm ActNorm { get; }

    public Bijector Mixing { get; }

    public Bijector Coupling { get; }

    /// <summary>actnorm, invconv (or permute), coupling, in forward order.</summary>
    internal IReadOnlyList<Bijector> Parts => _parts;

    public override (Variable Z, Variable LogDet) Forward(Variable x)
    {
        Variable h = x;
        Variable? logDet = null;
        foreach (var part in _parts)
        {
            var (next, ld) = part.Forward(h);
            h = next;
            logDet = logDet is null ? ld : Ops.Add(logDet, ld);
        }

        return (h, logDet!);
    }

    public override (Variable X, Variable LogDet) Inverse(Variable z)
    {
        Variable h = z;
        Variable? logDet = null;
        for (int i = _parts.Length - 1; i >= 0; i--)
        {
            var (prev, ld) = _parts[i].Inverse(h);
            h = prev;
            logDet = logDet is null ? ld : Ops.Add(logDet, ld);
        }

        return (h, logDet!);
    }
}
