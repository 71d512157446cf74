using Flows.Autodiff;
using Flows.Kernels;
using Flows.NN;

namespace Flows.Bijectors;

/// <summary>
/// Glow's affine coupling over channel halves (Kingma and Dhariwal 2018, §3.3; RealNVP, Dinh et al. 2017):
/// x = [xa, xb] (first / second half of the channels), h = NN(xa), shift = h[even channels],
/// s = h[odd channels], scale = sigmoid(s + 2) + floor (floor = 0 is Glow's; nflows adds 1e-3 so that a scale
/// cannot underflow and the inverse stays well conditioned: |ln scale| ≤ −ln floor).
/// Forward z = [xa, (xb + shift)·scale]; inverse xb = zb/scale − shift;
/// log-det = Σ ln scale (evaluated as Σ log-sigmoid(s + 2), stable for large |s|, and with a floor as
/// Σ ln(exp(log-sigmoid(s + 2)) + floor)).
/// The network's layers are this module's children (conv1, actnorm1, conv2, actnorm2, zeroconv).
/// </summary>
public sealed class AffineCoupling : Bijector, IRecomputeFromOutput
{
    public AffineCoupling(int channels, int hidden, Rng rng, float scaleFloor = 0)
        : this(channels, new GlowCouplingNetwork(channels / 2, 2 * (channels - (channels / 2)), hidden, rng), scaleFloor)
    {
    }

    public AffineCoupling(int channels, GlowCouplingNetwork network, float scaleFloor = 0)
    {
        if (!(scaleFloor >= 0 && scaleFloor < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(scaleFloor), scaleFloor, "The scale floor must be in [0, 1).");
        }

        ArgumentNullException.ThrowIfNull(network);
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 2);
        int kept = channels / 2;
        if (network.InChannels != kept || network.OutChannels != 2 * (channels - kept))
        {
            throw new ArgumentException($"AffineCoupling({channels}) needs a network {kept} → {2 * (channels - kept)} channels, got {network.InChannels} → {network.OutChannels}.", nameof(network));
        }

        Channels = channels;
        Network = network;
        ScaleFloor = scaleFloor;
        foreach (var (name, layer) in network.Layers)
        {
            AddModule(name, layer);
        }
    }

    public int Channels { get; }

    public GlowCouplingNetwork Network { get; }

    /// <summary>The constant added to the sigmoid scale (0: Glow's scale, which can underflow).</summary>
    public float ScaleFloor { get; }

    public override (Variable Z, Variable LogDet) Forward(Variable x)
    {
        var (xa, xb) = CouplingHalves.Split(x, Channels);
        var (shift, logScale) = Conditioner(xa);
        var zb = Ops.Mul(Ops.Add(xb, shift), Ops.Exp(logScale));
        return (Ops.Concat(1, xa, zb), Ops.SumPerSample(logScale));
    }

    public override (Variable X, Variable LogDet) Inverse(Variable z)
    {
        if (Autograd.ValuesOnly)
        {
            return InverseValues(z);
        }

        var (za, zb) = CouplingHalves.Split(z, Channels);
        var (shift, logScale) = Conditioner(za);
        var xb = Ops.Sub(Ops.Mul(zb, Ops.Exp(Ops.Neg(logScale))), shift);
        return (Ops.Concat(1, za, xb), Ops.Neg(Ops.SumPerSample(logScale)));
    }

    (Variable Input, Variable Z, Variable LogDet) IRecomputeFromOutput.RecomputeFromOutput(Tensor z, bool inputRequiresGrad)
    {
        // za = xa, so the network's output from za serves both the inverse (xb) and the recorded forward.
        var (leaf, xa) = CouplingRecompute.StartFromOutput(z, Channels, inputRequiresGrad);
        var (shift, logScale) = Conditioner(xa);
        CouplingRecompute.RebuildSecondHalf(leaf, z, shift.Value, logScale.Value);
        var zbRecorded = Ops.Mul(Ops.Add(CouplingRecompute.Second(leaf), shift), Ops.Exp(logScale));
        return (leaf, Ops.Concat(1, xa, zbRecorded), Ops.SumPerSample(logScale));
    }

    /// <summary>shift and ln scale = log-sigmoid(s + 2) from the interleaved network output.</summary>
    /// <summary>
    /// The inverse when nothing will be differentiated (sampling, decoding): the network's output goes
    /// through one kernel (<see cref="CouplingRecompute.InvertAffine"/>) instead of eleven recorded ops —
    /// the same float operations on each element, so x has the same bits. The result is an op node over z
    /// and the network's output, so releasing the caller's graph releases the network's intermediates too.
    /// </summary>
    private (Variable X, Variable LogDet) InverseValues(Variable z)
    {
        ArgumentNullException.ThrowIfNull(z);
        if (z.Shape.Length != 4 || z.Shape[1] != Channels)
        {
            throw new ArgumentException($"Coupling over {Channels} channels needs [N, {Channels}, H, W], got {Tensor.FormatShape(z.Shape)}.", nameof(z));
        }

        var h = Network.Forward(Ops.Slice(z, 1, 0, Channels / 2));
        var x = Tensor.Uninitialized(z.Shape);
        var logDet = Tensor.Uninitialized(z.Shape[0]);
        CouplingRecompute.InvertAffine(z.Value, h.Value, x, logDet, ScaleFloor);
        if (!Autograd.IsEnabled)
        {
            h.Value.Release(); // an unrecorded intermediate nobody else holds
        }
        return (Ops.ValuesOnlyNode(x, z, h), Ops.ValuesOnlyNode(logDet, z, h));
    }

    private (Variable Shift, Variable LogScale) Conditioner(Variable xa)
    {
        var h = Network.Forward(xa);
        int half = h.Shape[1] / 2;
        var shift = Ops.Slice(h, 1, 0, half, 2);
        var s = Ops.Slice(h, 1, 1, half, 2);
        var logScale = Ops.LogSigmoid(Ops.AddScalar(s, 2f));
        return (shift, ScaleFloor == 0 ? logScale : Ops.Log(Ops.AddScalar(Ops.Exp(logScale), ScaleFloor)));
    }
}
