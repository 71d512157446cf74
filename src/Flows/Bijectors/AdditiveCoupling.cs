using Flows.Autodiff;
using Flows.Kernels;
using Flows.NN;

namespace Flows.Bijectors;

/// <summary>
/// Glow's additive coupling over channel halves (Kingma and Dhariwal 2018, §3.3; NICE, Dinh et al. 2015):
/// x = [xa, xb], forward z = [xa, xb + NN(xa)], inverse xb = zb − NN(za), log-det 0.
/// The network maps C/2 → C − C/2 channels; its layers are this module's children
/// (conv1, actnorm1, conv2, actnorm2, zeroconv).
/// </summary>
public sealed class AdditiveCoupling : Bijector, IRecomputeFromOutput
{
    public AdditiveCoupling(int channels, int hidden, Rng rng)
        : this(channels, new GlowCouplingNetwork(channels / 2, channels - (channels / 2), hidden, rng))
    {
    }

    public AdditiveCoupling(int channels, GlowCouplingNetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 2);
        int kept = channels / 2;
        if (network.InChannels != kept || network.OutChannels != channels - kept)
        {
            throw new ArgumentException($"AdditiveCoupling({channels}) needs a network {kept} → {channels - kept} channels, got {network.InChannels} → {network.OutChannels}.", nameof(network));
        }

        Channels = channels;
        Network = network;
        foreach (var (name, layer) in network.Layers)
        {
            AddModule(name, layer);
        }
    }

    public int Channels { get; }

    public GlowCouplingNetwork Network { get; }

    public override (Variable Z, Variable LogDet) Forward(Variable x)
    {
        var (xa, xb) = CouplingHalves.Split(x, Channels);
        var zb = Ops.Add(xb, Network.Forward(xa));
        return (Ops.Concat(1, xa, zb), Variable.Constant(Tensor.Zeros(x.Shape[0])));
    }

    public override (Variable X, Variable LogDet) Inverse(Variable z)
    {
        var (za, zb) = CouplingHalves.Split(z, Channels);
        var xb = Ops.Sub(zb, Network.Forward(za));
        return (Ops.Concat(1, za, xb), Variable.Constant(Tensor.Zeros(z.Shape[0])));
    }

    (Variable Input, Variable Z, Variable LogDet) IRecomputeFromOutput.RecomputeFromOutput(Tensor z, bool inputRequiresGrad)
    {
        // za = xa, so one evaluation of the network serves the inverse and the recorded forward.
        var (leaf, xa) = CouplingRecompute.StartFromOutput(z, Channels, inputRequiresGrad);
        var shift = Network.Forward(xa);
        CouplingRecompute.RebuildSecondHalf(leaf, z, shift.Value, logScale: null);
        var zbRecorded = Ops.Add(CouplingRecompute.Second(leaf), shift);
        return (leaf, Ops.Concat(1, xa, zbRecorded), Variable.Constant(Tensor.Zeros(z.Shape[0])));
    }
}
