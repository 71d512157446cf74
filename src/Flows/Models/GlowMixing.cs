namespace Flows.Models;

/// <summary>The channel mixing of a Glow step (Glow §3.2 and its baselines).</summary>
public enum GlowMixing
{
    /// <summary><see cref="Bijectors.LuInvertibleConv1x1"/>: the LU-parameterised 1×1 convolution.</summary>
    Lu,

    /// <summary><see cref="Bijectors.InvertibleConv1x1"/>: a full learned weight.</summary>
    Plain,

    /// <summary>A fixed reversal of the channels.</summary>
    Reverse,

    /// <summary>A fixed random permutation of the channels.</summary>
    Shuffle,
}
