namespace Flows.Models;

/// <summary>The coupling of a Glow step.</summary>
public enum GlowCouplingKind
{
    /// <summary><see cref="Bijectors.SigmoidAffineTransform"/>: scale = sigmoid(s + 2), shift.</summary>
    Affine,

    /// <summary><see cref="Bijectors.AdditiveTransform"/>: shift only, log-det 0.</summary>
    Additive,
}
