using Flows.Autodiff;

namespace Flows.NN;

/// <summary>
/// Glow's coupling conditioner NN(ci → co) (Kingma and Dhariwal 2018, §3.3):
/// Conv3x3(ci → hidden, no bias) → ActNorm → ReLU → Conv1x1(hidden → hidden, no bias) → ActNorm → ReLU
/// → ZeroConv3x3(hidden → co). The zero-initialised last layer makes a fresh coupling the identity. The two
/// hidden convolutions start from N(0, 0.05²) weights, as in the Glow authors' code (its default initializer):
/// with ActNorm after each, the weights' scale sets how fast Adam's steps of ~lr move them relative to
/// their size (a fan-in-scaled init would give conv1 on 2 channels a std of 0.14).
/// Layers (see <see cref="Layers"/>): conv1, actnorm1, conv2, actnorm2, zeroconv.
/// </summary>
public sealed class GlowCouplingNetwork : Network
{
    /// <summary>A conditioner from <paramref name="inChannels"/> to <paramref name="outChannels"/> channels with <paramref name="hidden"/> hidden channels.</summary>
    /// <param name="inChannels">Channels of the conditioning half.</param>
    /// <param name="outChannels">Channels of the output (e.g. shift and scale for the other half).</param>
    /// <param name="hidden">Channels of the two hidden convolutions.</param>
    /// <param name="rng">Source of the hidden convolutions' initial weights.</param>
    public GlowCouplingNetwork(int inChannels, int outChannels, int hidden, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        ArgumentOutOfRangeException.ThrowIfLessThan(hidden, 1);
        InChannels = inChannels;
        OutChannels = outChannels;
        Conv1 = AddModule("conv1", new Conv2dLayer(inChannels, hidden, 3, rng, bias: false));
        ActNorm1 = AddModule("actnorm1", new ActNormLayer(hidden));
        Conv2 = AddModule("conv2", new Conv2dLayer(hidden, hidden, 1, rng, bias: false));
        FillNormal(Conv1.Weight.Value, rng, InitStd);
        FillNormal(Conv2.Weight.Value, rng, InitStd);
        ActNorm2 = AddModule("actnorm2", new ActNormLayer(hidden));
        ZeroConv = AddModule("zeroconv", new ZeroConv2d(hidden, outChannels, 3));
        Layers = [("conv1", Conv1), ("actnorm1", ActNorm1), ("conv2", Conv2), ("actnorm2", ActNorm2), ("zeroconv", ZeroConv)];
    }

    /// <summary>Standard deviation of the hidden convolutions' initial weights.</summary>
    public const float InitStd = 0.05f;

    /// <summary>Input channels ci.</summary>
    public int InChannels { get; }

    /// <summary>Output channels co.</summary>
    public int OutChannels { get; }

    /// <summary>The 3×3 convolution ci → hidden, without bias ("conv1").</summary>
    public Conv2dLayer Conv1 { get; }

    /// <summary>The ActNorm after <see cref="Conv1"/> ("actnorm1").</summary>
    public ActNormLayer ActNorm1 { get; }

    /// <summary>The 1×1 convolution hidden → hidden, without bias ("conv2").</summary>
    public Conv2dLayer Conv2 { get; }

    /// <summary>The ActNorm after <see cref="Conv2"/> ("actnorm2").</summary>
    public ActNormLayer ActNorm2 { get; }

    /// <summary>The zero-initialised 3×3 output convolution hidden → co ("zeroconv").</summary>
    public ZeroConv2d ZeroConv { get; }

    /// <summary>
    /// The layers with their names, so that a coupling can own them directly and its parameters read
    /// "coupling.conv1.weight" rather than "coupling.net.conv1.weight".
    /// </summary>
    public IReadOnlyList<(string Name, Module Layer)> Layers { get; }

    private static void FillNormal(Tensor weight, Rng rng, float std)
    {
        rng.FillNormal(weight.Span, 0f, std);
    }

    /// <inheritdoc/>
    public override Variable Forward(Variable x)
    {
        var h = ActNorm1.Forward(Conv1.Forward(x), relu: true);
        h = ActNorm2.Forward(Conv2.Forward(h), relu: true);
        return ZeroConv.Forward(h);
    }
}
