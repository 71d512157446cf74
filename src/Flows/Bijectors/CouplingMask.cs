namespace Flows.Bijectors;

/// <summary>The two binary masks of RealNVP's image couplings (Dinh et al. 2017, section 3.4, figure 3).</summary>
public enum CouplingMask
{
    /// <summary>b[h, w] = 1 where (h + w) is even (parity 0) or odd (parity 1), in every channel.</summary>
    Checkerboard,

    /// <summary>b[c] = 1 for the first half of the channels (parity 0) or the second half (parity 1).</summary>
    ChannelWise,
}
