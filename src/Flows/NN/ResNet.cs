using Flows.Autodiff;

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

    /// <summary>A residual conditioner from <paramref name="inChannels"/> to <paramref name="outChannels"/> channels.</summary>
    /// <param name="inChannels">Input channels.</param>
    /// <param name="outChannels">Output channels.</param>
    /// <param name="width">Channels inside the network.</param>
    /// <param name="blocks">Number of residual blocks (0 or more).</param>
    /// <param name="rng">Source of the initial weights.</param>
    /// <param name="normalization">Batch and/or weight normalisation of the hidden layers.</param>
    /// <param name="zeroInitOutput">Start the output convolution at zero.</param>
    /// <param name="kernelSize">Side of every convolution's kernel; odd.</param>
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

    /// <summary>Input channels.</summary>
    public int InChannels { get; }

    /// <summary>Output channels.</summary>
    public int OutChannels { get; }

    /// <summary>Channels inside the network.</summary>
    public int Width { get; }

    /// <summary>The normalisation of the hidden layers.</summary>
    public ResNetNormalization Normalization { get; }

    /// <summary>The network's output [N, out, H, W] for <paramref name="x"/> [N, in, H, W].</summary>
    /// <exception cref="ArgumentException"><paramref name="x"/> is not [N, <see cref="InChannels"/>, H, W].</exception>
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
