using Flows.Autodiff;

namespace Flows.NN;

/// <summary>
/// A ReLU multilayer perceptron on [N, in]: Linear(in → width), then (depth − 1) × [ReLU, Linear(width → width)],
/// then ReLU, Linear(width → out). The last layer may start at zero so that a coupling that uses it starts as
/// the identity (NICE, RealNVP). Children: "layer0" … "layer{depth}".
/// </summary>
public sealed class Mlp : Network
{
    private readonly Linear[] _layers;

    /// <param name="inFeatures">Input width.</param>
    /// <param name="hiddenFeatures">Width of every hidden layer.</param>
    /// <param name="outFeatures">Output width.</param>
    /// <param name="hiddenLayers">Number of hidden layers (at least 1); the network has hiddenLayers + 1 linear layers.</param>
    /// <param name="rng">Source of the initial weights.</param>
    /// <param name="zeroInitLast">Start the last layer's weight and bias at zero.</param>
    public Mlp(int inFeatures, int hiddenFeatures, int outFeatures, int hiddenLayers, Rng rng, bool zeroInitLast = false)
    {
        ArgumentNullException.ThrowIfNull(rng);
        ArgumentOutOfRangeException.ThrowIfLessThan(hiddenLayers, 1);
        InFeatures = inFeatures;
        HiddenFeatures = hiddenFeatures;
        OutFeatures = outFeatures;
        _layers = new Linear[hiddenLayers + 1];
        for (int i = 0; i <= hiddenLayers; i++)
        {
            int fanIn = i == 0 ? inFeatures : hiddenFeatures;
            int fanOut = i == hiddenLayers ? outFeatures : hiddenFeatures;
            _layers[i] = AddModule($"layer{i}", new Linear(fanIn, fanOut, rng, zeroInit: zeroInitLast && i == hiddenLayers));
        }
    }

    /// <summary>Input width.</summary>
    public int InFeatures { get; }

    /// <summary>Width of every hidden layer.</summary>
    public int HiddenFeatures { get; }

    /// <summary>Output width.</summary>
    public int OutFeatures { get; }

    /// <summary>The linear layers, input first.</summary>
    public IReadOnlyList<Linear> Layers => _layers;

    /// <inheritdoc/>
    public override Variable Forward(Variable x)
    {
        var h = _layers[0].Forward(x);
        for (int i = 1; i < _layers.Length; i++)
        {
            h = _layers[i].Forward(Ops.Relu(h));
        }

        return h;
    }
}
