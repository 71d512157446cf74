using Flows.NN;

namespace Flows.Bijectors;

/// <summary>The couplings of NICE, RealNVP and Glow, each a <see cref="Coupling"/> of a split, a network and a transform.</summary>
public static class Couplings
{
    /// <summary>Glow's affine coupling over channel halves: <see cref="ChannelHalves"/>, <see cref="GlowCouplingNetwork"/> (its layers named directly under the coupling), <see cref="SigmoidAffineTransform"/>.</summary>
    public static Coupling GlowAffine(int channels, int hidden, Rng rng, float scaleFloor = 0)
    {
        var split = new ChannelHalves(channels);
        return GlowAffine(channels, new GlowCouplingNetwork(split.KeptChannels, 2 * split.TransformedChannels, hidden, rng), scaleFloor);
    }

    /// <summary>Glow's affine coupling with a given network (KeptChannels → 2·TransformedChannels, shift and scale interleaved).</summary>
    public static Coupling GlowAffine(int channels, GlowCouplingNetwork network, float scaleFloor)
    {
        ArgumentNullException.ThrowIfNull(network);
        var split = new ChannelHalves(channels);
        CheckNetwork(network, split.KeptChannels, 2 * split.TransformedChannels, "GlowAffine", channels);
        return new Coupling(split, network, new SigmoidAffineTransform(scaleFloor), networkName: null);
    }

    /// <summary>Glow's additive coupling over channel halves (NICE's map on Glow's split and network).</summary>
    public static Coupling GlowAdditive(int channels, int hidden, Rng rng)
    {
        var split = new ChannelHalves(channels);
        return GlowAdditive(channels, new GlowCouplingNetwork(split.KeptChannels, split.TransformedChannels, hidden, rng));
    }

    /// <summary>Glow's additive coupling with a given network (KeptChannels → TransformedChannels).</summary>
    public static Coupling GlowAdditive(int channels, GlowCouplingNetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        var split = new ChannelHalves(channels);
        CheckNetwork(network, split.KeptChannels, split.TransformedChannels, "GlowAdditive", channels);
        return new Coupling(split, network, new AdditiveTransform(), networkName: null);
    }

    /// <summary>
    /// RealNVP's image coupling: a <see cref="BinaryMask"/>, a <see cref="ResNet"/> C → 2C whose output convolution
    /// starts at zero (a fresh coupling is the identity), and <see cref="TanhAffineTransform"/> with c per channel.
    /// </summary>
    public static Coupling RealNvpImage(int[] eventShape, CouplingMask mask, int parity, int hiddenChannels, int residualBlocks, Rng rng, ResNetNormalization normalization = ResNetNormalization.Weight)
    {
        var split = new BinaryMask(eventShape, mask, parity);
        int c = eventShape[0];
        var net = new ResNet(c, 2 * c, hiddenChannels, residualBlocks, rng, normalization, zeroInitOutput: true);
        return new Coupling(split, net, new TanhAffineTransform(1, c, 1, 1));
    }

    /// <summary>RealNVP's vector coupling: <see cref="ParityColumns"/>, an <see cref="Mlp"/> (last layer at zero), <see cref="TanhAffineTransform"/> with c per transformed feature.</summary>
    public static Coupling RealNvpVector(int dimensions, int parity, int hiddenFeatures, int hiddenLayers, Rng rng)
    {
        var split = new ParityColumns(dimensions, parity);
        var net = new Mlp(split.KeptCount, hiddenFeatures, 2 * split.TransformedCount, hiddenLayers, rng, zeroInitLast: true);
        return new Coupling(split, net, new TanhAffineTransform(split.TransformedCount));
    }

    /// <summary>NICE's additive coupling on vectors: <see cref="ParityColumns"/>, a ReLU <see cref="Mlp"/> (last layer at zero), <see cref="AdditiveTransform"/>.</summary>
    public static Coupling NiceVector(int dimensions, int parity, int hiddenFeatures, int hiddenLayers, Rng rng)
    {
        var split = new ParityColumns(dimensions, parity);
        var net = new Mlp(split.KeptCount, hiddenFeatures, split.TransformedCount, hiddenLayers, rng, zeroInitLast: true);
        return new Coupling(split, net, new AdditiveTransform());
    }

    private static void CheckNetwork(GlowCouplingNetwork network, int inChannels, int outChannels, string what, int channels)
    {
        if (network.InChannels != inChannels || network.OutChannels != outChannels)
        {
            throw new ArgumentException($"{what}({channels}) needs a network {inChannels} → {outChannels} channels, got {network.InChannels} → {network.OutChannels}.", nameof(network));
        }
    }
}
