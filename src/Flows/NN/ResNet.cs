using Flows.Autodiff;
using Flows.Kernels;

namespace Flows.NN;

/// <summary>
/// RealNVP's convolutional conditioner (Dinh et al. 2017, section 4.1) on NCHW input:
/// conv(in → width) → blocks × <see cref="ResidualBlock"/> → [batch norm] → ReLU → conv(width → out).
/// Convolutions are k×k ('same' padding); weight-normalised when asked for; the output convolution is
/// plain and may start at zero so that a coupling using this network starts as the identity.
/// Children: "input", "block0" … "block{blocks−1}", "outputNorm" (batch normalisation only), "output".
/// </summary>
public sealed class ResNet : Network
{
    private readonly Func<Variable, Variable> _input;
    private readonly ResidualBlock[] _blocks;
    private readonly BatchNorm2dLayer? _outputNorm;
    private readonly Conv2dLayer _output;

    public ResNet(int inChannels, int outChannels, int width, int blocks, Rng rng, ResNetNormalization normalization = ResNetNormalization.Batch, bool zeroInitOutput = true, int kernelSize = 3)
    {
        ArgumentNullException.ThrowIfNull(rng);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(blocks);
        InChannels = inChannels;
        OutChannels = outChannels;
        Width = width;
        Normalization = normalization;
        _input = ForwardOf(AddModule("input", CreateConv(inChannels, width, kernelSize, normalization, rng)));
        _blocks = new ResidualBlock[blocks];
        for (int i = 0; i < blocks; i++)
        {
            _blocks[i] = AddModule($"block{i}", new ResidualBlock(width, normalization, rng, kernelSize));
        }

        if (normalization is ResNetNormalization.Batch or ResNetNormalization.BatchAndWeight)
        {
            _outputNorm = AddModule("outputNorm", new BatchNorm2dLayer(width));
        }

        _output = AddModule("output", new Conv2dLayer(width, outChannels, kernelSize, rng, zeroInit: zeroInitOutput));
    }

    public int InChannels { get; }

    public int OutChannels { get; }

    public int Width { get; }

    public ResNetNormalization Normalization { get; }

    public override Variable Forward(Variable x)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Shape.Length != 4 || x.Shape[1] != InChannels)
        {
            throw new ArgumentException($"ResNet({InChannels} → {OutChannels}) needs x [N, {InChannels}, H, W], got {Tensor.FormatShape(x.Shape)}.", nameof(x));
        }

        var h = _input(x);
        foreach (var block in _blocks)
        {
            h = block.Forward(h);
        }

        h = Ops.Relu(_outputNorm is null ? h : _outputNorm.Forward(h));
        return _output.Forward(h);
    }

    /// <summary>A plain or weight-normalised convolution, as <paramref name="normalization"/> asks.</summary>
    internal static Module CreateConv(int inChannels, int outChannels, int kernelSize, ResNetNormalization normalization, Rng rng)
        => normalization is ResNetNormalization.Weight or ResNetNormalization.BatchAndWeight
            ? new WeightNormConv2dLayer(inChannels, outChannels, kernelSize, rng)
            : new Conv2dLayer(inChannels, outChannels, kernelSize, rng);

    /// <summary>The forward of a module made by <see cref="CreateConv"/>.</summary>
    internal static Func<Variable, Variable> ForwardOf(Module conv) => conv switch
    {
        WeightNormConv2dLayer wn => wn.Forward,
        Conv2dLayer c => c.Forward,
        _ => throw new ArgumentException($"Not a convolution: {conv.GetType().Name}.", nameof(conv)),
    };
}
