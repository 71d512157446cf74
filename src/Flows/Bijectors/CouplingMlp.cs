using Flows.Autodiff;
using Flows.Kernels;
using Flows.NN;

namespace Flows.Bijectors;

/// <summary>
/// The conditioner of the vector couplings: a ReLU multilayer perceptron in → hidden (× layers) → out.
/// The last layer starts at zero so that a fresh coupling is the identity (NICE, RealNVP, Glow all do).
/// Children are "input", "hidden0", …, "output".
/// </summary>
public sealed class CouplingMlp : Module
{
    private readonly Linear[] _layers;

    public CouplingMlp(int inFeatures, int outFeatures, int hiddenFeatures, int hiddenLayers, Rng rng, bool zeroInitOutput = true)
    {
        ArgumentNullException.ThrowIfNull(rng);
        ArgumentOutOfRangeException.ThrowIfLessThan(hiddenLayers, 1);
        _layers = new Linear[hiddenLayers + 1];
        _layers[0] = AddModule("input", new Linear(inFeatures, hiddenFeatures, rng));
        for (int i = 1; i < hiddenLayers; i++)
        {
            _layers[i] = AddModule($"hidden{i - 1}", new Linear(hiddenFeatures, hiddenFeatures, rng));
        }

        _layers[hiddenLayers] = AddModule("output", new Linear(hiddenFeatures, outFeatures, rng, zeroInit: zeroInitOutput));
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
    }

    public int InFeatures { get; }

    public int OutFeatures { get; }

    public Variable Forward(Variable x)
    {
        var h = x;
        for (int i = 0; i < _layers.Length - 1; i++)
        {
            h = Ops.Relu(_layers[i].Forward(h));
        }

        return _layers[^1].Forward(h);
    }
}
