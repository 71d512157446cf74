using Flows.Autodiff;
using Flows.Kernels;

namespace Flows.NN;

/// <summary>
/// The conditioner of RealNVP's image couplings (Dinh et al. 2017, section 3.7): a residual network of
/// 3×3 weight-normalised convolutions, in → hidden, then <c>blocks</c> residual blocks
/// h ← h + conv(relu(conv(relu(h)))), then relu → conv hidden → out. The output convolution is plain and
/// starts at zero, so a fresh coupling is the identity. Weight normalisation (Salimans &amp; Kingma 2016):
/// w = g · v / ‖v‖ per output channel, with g initialised to ‖v‖.
/// Children: "input", "block{i}a", "block{i}b", "output".
/// </summary>
public sealed class RealNvpResNet : Module
{
    private readonly WeightNormConv[] _blockConvs;

    public RealNvpResNet(int inChannels, int outChannels, int hiddenChannels, int blocks, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        ArgumentOutOfRangeException.ThrowIfNegative(blocks);
        Input = AddModule("input", new WeightNormConv(inChannels, hiddenChannels, rng));
        _blockConvs = new WeightNormConv[2 * blocks];
        for (int i = 0; i < blocks; i++)
        {
            _blockConvs[2 * i] = AddModule($"block{i}a", new WeightNormConv(hiddenChannels, hiddenChannels, rng));
            _blockConvs[(2 * i) + 1] = AddModule($"block{i}b", new WeightNormConv(hiddenChannels, hiddenChannels, rng));
        }

        Output = AddModule("output", new Conv2dLayer(hiddenChannels, outChannels, 3, rng, zeroInit: true));
    }

    internal WeightNormConv Input { get; }

    public Conv2dLayer Output { get; }

    public Variable Forward(Variable x)
    {
        var h = Input.Forward(x);
        for (int i = 0; i < _blockConvs.Length; i += 2)
        {
            var r = _blockConvs[i].Forward(Ops.Relu(h));
            r = _blockConvs[i + 1].Forward(Ops.Relu(r));
            h = Ops.Add(h, r);
        }

        return Output.Forward(Ops.Relu(h));
    }

    /// <summary>A 3×3 'same' convolution with weight w = g · v / ‖v‖ (norm per output channel) and a bias.</summary>
    internal sealed class WeightNormConv : Module
    {
        private readonly int _outChannels;

        public WeightNormConv(int inChannels, int outChannels, Rng rng)
        {
            _outChannels = outChannels;
            var v = Tensor.Zeros(outChannels, inChannels, 3, 3);
            float bound = 1f / MathF.Sqrt(inChannels * 9);
            rng.FillUniform(v.Span, -bound, bound);
            var g = Tensor.Zeros(outChannels, 1, 1, 1);
            int fan = inChannels * 9;
            for (int o = 0; o < outChannels; o++)
            {
                double sq = 0;
                foreach (float e in v.Span.Slice(o * fan, fan))
                {
                    sq += e * e;
                }

                g.Span[o] = (float)Math.Sqrt(sq);
            }

            Direction = AddParameter("v", v);
            Gain = AddParameter("g", g);
            Bias = AddParameter("bias", Tensor.Zeros(outChannels));
        }

        public Variable Direction { get; }

        public Variable Gain { get; }

        public Variable Bias { get; }

        public Variable Forward(Variable x)
        {
            var norm = Ops.Sqrt(Ops.Sum(Ops.Square(Direction), [1, 2, 3], keepDims: true));
            var w = Ops.Mul(Direction, Ops.Div(Gain, norm));
            return Ops.Conv2d(x, w, Bias);
        }

        public override string ToString() => $"WeightNormConv(→ {_outChannels})";
    }
}
