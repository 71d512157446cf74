using Flows.Autodiff;

namespace Flows.NN;

/// <summary>
/// A pre-activation residual block on [N, width, H, W] (He et al. 2016, as in RealNVP's conditioners):
/// y = x + conv2(relu(norm2(conv1(relu(norm1(x)))))), 3×3 convolutions, the norms batch normalisation when
/// asked for. Children: "norm1", "conv1", "norm2", "conv2" (norms only with batch normalisation).
/// </summary>
public sealed class ResidualBlock : Module
{
    private readonly BatchNorm2dLayer? _norm1;
    private readonly BatchNorm2dLayer? _norm2;
    private readonly Func<Variable, Variable> _conv1;
    private readonly Func<Variable, Variable> _conv2;

    /// <summary>A residual block on <paramref name="width"/> channels.</summary>
    /// <param name="width">Channels of input and output.</param>
    /// <param name="normalization">Batch and/or weight normalisation of the block's layers.</param>
    /// <param name="rng">Source of the initial weights.</param>
    /// <param name="kernelSize">Side of both convolutions' kernels; odd.</param>
    public ResidualBlock(int width, ResNetNormalization normalization, Rng rng, int kernelSize = 3)
    {
        ArgumentNullException.ThrowIfNull(rng);
        Width = width;
        bool batch = normalization is ResNetNormalization.Batch or ResNetNormalization.BatchAndWeight;
        if (batch)
        {
            _norm1 = AddModule("norm1", new BatchNorm2dLayer(width));
        }

        _conv1 = ResNet.ForwardOf(AddModule("conv1", ResNet.CreateConv(width, width, kernelSize, normalization, rng)));
        if (batch)
        {
            _norm2 = AddModule("norm2", new BatchNorm2dLayer(width));
        }

        _conv2 = ResNet.ForwardOf(AddModule("conv2", ResNet.CreateConv(width, width, kernelSize, normalization, rng)));
    }

    /// <summary>Channels of input and output.</summary>
    public int Width { get; }

    /// <summary>y = x + the residual branch, same shape as <paramref name="x"/> [N, width, H, W].</summary>
    public Variable Forward(Variable x)
    {
        ArgumentNullException.ThrowIfNull(x);
        var h = Ops.Relu(_norm1 is null ? x : _norm1.Forward(x));
        h = _conv1(h);
        h = Ops.Relu(_norm2 is null ? h : _norm2.Forward(h));
        h = _conv2(h);
        return Ops.Add(x, h);
    }
}
